package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow readers on a shared HTTP/2 connection, with Node's {@code http2} client (a client nobody here wrote): on one
 * connection of 100 streams, the 90 that stop reading (their flow-control windows stay shut) are each cut by
 * {@code limits.write_queue_bytes} while the 10 that read get every event, and a cut stream resumes without loss.
 * What a stuck stream holds is so bounded by the limit (plus one event) until it is cut, then released.
 */
@ExtendWith(VertxExtension.class)
class Http2SlowStreamsTest {

  private static final Path SCRIPT = Path.of("src/test/resources/h2/stuck-streams.mjs").toAbsolutePath();

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void stuckStreamsOnAConnectionAreCutAloneWhileTheOthersGetEveryEventAndACutStreamResumesLosslessly(Vertx vertx,
      VertxTestContext ctx) throws Exception {
    int healthy = 10;
    int stuck = 90; // 100 streams on one connection: limits.max_streams_per_connection's default
    int events = 60; // 8 KiB each: 480 KiB per stream, beyond a 64 KiB window plus a 64 KiB queue
    TestOrigin origin = new TestOrigin(vertx, "slow");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject() // h2c: on by default
        .put("limits.write_queue_bytes", 64 * 1024).put("http.instances", 1)), "n1").await(20, TimeUnit.SECONDS);
    Process node;
    try {
      node = new ProcessBuilder("node", SCRIPT.toString(), String.valueOf(g.port()), String.valueOf(healthy),
          String.valueOf(stuck), String.valueOf(events)).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.assumeTrue(!"true".equals(System.getenv("CI")), "node is needed: " + e);
      Assumptions.abort("node is not installed: " + e);
      return;
    }
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      Await.until(vertx, () -> lines.contains("ready"), 30_000, () -> "all streams open: " + lines)
          .await(40, TimeUnit.SECONDS);
      assertEquals(1, g.stats().openConnections.get(), "one connection carries every stream");
      assertEquals(healthy + stuck, g.stats().openStreams());
      String big = "y".repeat(8 * 1024);
      // published at the pace of the streams that read (4 events, 32 KiB, at a time: below the limit), so that only
      // a stream that does not read can fall behind
      for (int i = 0; i < events; i++) {
        origin.publish("s", "m", i + ":" + big);
        if (i % 4 == 3 || i == events - 1) {
          int sent = i + 1;
          Await.until(vertx, () -> IntStream.range(0, healthy).allMatch(h -> lines.contains("read " + h + " " + sent)),
              20_000, () -> sent + " read by every healthy stream: " + lines).await(30, TimeUnit.SECONDS);
        }
      }
      Await.until(vertx, () -> lines.stream().filter(l -> l.startsWith("healthy ")).count() == healthy
              && lines.stream().filter(l -> l.startsWith("reset ")).count() == stuck, 60_000,
          () -> "every healthy stream done and every stuck one reset: cut " + g.stats().slowConsumersCut.sum()
              + ", open " + g.stats().openStreams() + ", " + lines).await(80, TimeUnit.SECONDS);
      assertEquals(stuck, g.stats().slowConsumersCut.sum(), "only the stuck streams were cut");
      assertEquals(healthy, g.stats().openStreams());
      assertTrue(lines.stream().noneMatch(l -> l.startsWith("session-error")), lines.toString());

      // a cut stream comes back from what it had read (its hello): every event, in order, once
      String helloId = lines.stream().filter(l -> l.startsWith("reset ")).findFirst().orElseThrow().split(" ")[2];
      SseTestClient again = SseTestClient.open(vertx.createHttpClient(), g.port(), "/events?topic=s",
          MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, helloId)).await(10, TimeUnit.SECONDS);
      List<SseFrame> replay = again.awaitType("m", events).await(30, TimeUnit.SECONDS);
      assertEquals(IntStream.range(0, events).mapToObj(i -> i + ":" + big).toList(),
          replay.stream().filter(f -> "m".equals(f.type())).map(SseFrame::data).toList());
      ctx.completeNow();
    } finally {
      node.getOutputStream().write('\n');
      node.getOutputStream().flush();
      if (!node.waitFor(10, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
  }
}
