package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write path: HTTP/1.1 streams are handed to their channel after their first write and get every event
 * as the same bytes (sizes from one byte to tens of KiB, multi-line data, several events per loop turn), on the
 * default server, which also serves cleartext HTTP/2 (h2c). With {@code http.h2c} off, a client asking to upgrade to
 * cleartext HTTP/2 gets an HTTP/1.1 stream and HTTP/2 with prior knowledge is not served.
 */
@ExtendWith(VertxExtension.class)
class DirectWritesTest {

  private static List<String> payloads() {
    return IntStream.rangeClosed(1, 120).mapToObj(i -> switch (i % 4) {
      case 0 -> "x";
      case 1 -> "line one\nline two " + i;
      case 2 -> "y".repeat(40_000 + i);
      default -> "{\"n\":" + i + "}";
    }).toList();
  }

  /** The data of the "m" events in {@code frames} (a snapshot: the client's own list grows on its loop). */
  private static List<String> dataOf(List<SseFrame> frames) {
    return frames.stream().filter(f -> "m".equals(f.type())).map(SseFrame::data).toList();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void http11StreamsWriteStraightToTheirChannelAndGetEveryEventIntact(Vertx vertx, VertxTestContext ctx) throws Exception {
    int streams = 20;
    List<String> expected = payloads();
    HttpClient client = FanOutTest.client(vertx, streams);
    TestOrigin origin = new TestOrigin(vertx, "direct");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 1000)), "n1")
        .await(20, TimeUnit.SECONDS);
    List<Future<SseTestClient>> opened = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      opened.add(SseTestClient.open(client, g.port(), "/events?topic=d")
          .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
    }
    List<SseTestClient> all = Future.all(opened).map(f -> f.<SseTestClient>list()).await(20, TimeUnit.SECONDS);
    // published back to back: lanes get several events per loop turn, written in one flush per stream
    expected.forEach(data -> origin.publish("d", "m", data));
    List<List<SseFrame>> received = Future.all(all.stream().map(s -> s.awaitType("m", expected.size())).toList())
        .map(f -> f.<List<SseFrame>>list()).await(30, TimeUnit.SECONDS);
    all.get(0).awaitType(WireNames.HEARTBEAT, 1).await(10, TimeUnit.SECONDS);
    ctx.verify(() -> {
      for (List<SseFrame> frames : received) {
        assertEquals(expected, dataOf(frames));
      }
      int direct = g.fanOutLanes().stream().mapToInt(Lane::directStreams).sum();
      assertEquals(streams, direct, "every HTTP/1.1 stream writes straight to its channel");
      ctx.completeNow();
    });
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void withH2cOffAClientAskingForHttp2GetsAnHttp11StreamWithEveryEvent(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    // java.net.http asks for HTTP/2 by default (an h2c upgrade on plain http): the stream stays HTTP/1.1
    TestOrigin origin = new TestOrigin(vertx, "jdk");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("http.h2c", false)), "n1")
        .await(20, TimeUnit.SECONDS);
    java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    java.net.http.HttpResponse<java.util.stream.Stream<String>> response = jdk.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + g.port() + "/events?topic=d"))
            .timeout(java.time.Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
    List<String> expected = List.of("one", "two", "three");
    // the blocking read runs on a worker, bounded by the await (closing Vert.x ends the stream)
    List<String> data = vertx.executeBlocking(() -> {
      List<String> got = new ArrayList<>();
      try (java.util.stream.Stream<String> lines = response.body()) {
        java.util.Iterator<String> it = lines.iterator();
        boolean published = false;
        while (got.size() < expected.size() && it.hasNext()) {
          String line = it.next();
          if (line.startsWith("event: hello") && !published) {
            published = true;
            expected.forEach(d -> origin.publish("d", "m", d));
          } else if (line.startsWith("data: ") && published && !line.startsWith("data: {")) {
            got.add(line.substring(6));
          }
        }
      }
      return got;
    }).await(30, TimeUnit.SECONDS);
    ctx.verify(() -> {
      assertEquals(200, response.statusCode());
      assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, response.version());
      assertEquals(expected, data);
      ctx.completeNow();
    });
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void withH2cOffHttp2WithPriorKnowledgeIsNotServed(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("http.h2c", false)), "n1")
        .await(20, TimeUnit.SECONDS);
    HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    Throwable refused = h2.request(new io.vertx.core.http.RequestOptions().setHost("127.0.0.1").setPort(g.port())
            .setURI("/events?topic=d").setIdleTimeout(5000))
        .compose(r -> r.send())
        .map(r -> (Throwable) null)
        .otherwise(e -> e)
        .await(20, TimeUnit.SECONDS);
    ctx.verify(() -> {
      assertTrue(refused != null, "an HTTP/2 prior-knowledge request must fail");
      assertEquals(0L, g.stats().openStreams(), "no stream was opened");
      ctx.completeNow();
    });
  }
}
