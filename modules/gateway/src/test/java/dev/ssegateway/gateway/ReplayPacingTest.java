package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.DirectMemory;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resume replays in pieces that respect {@code limits.write_queue_bytes} from the first byte: clients that
 * resume and never read cost the node at most about their write budget each and are cut as slow consumers,
 * a reading resumer meanwhile gets its whole replay at once, and a replay much larger than the budget arrives
 * exactly once, in order, followed by the live events published during it.
 */
@ExtendWith(VertxExtension.class)
class ReplayPacingTest {

  private static void waitFor(BooleanSupplier condition, long timeoutMs, String what) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
      LockSupport.parkNanos(5_000_000);
    }
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static MultiMap resumeFrom(String id) {
    return MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, id);
  }

  private static String helloId(HttpClient client, int port, String topic) throws Exception {
    SseTestClient s = SseTestClient.open(client, port, "/events?topic=" + topic).await(10, TimeUnit.SECONDS);
    String id = s.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS).get(0).id();
    s.close().await(10, TimeUnit.SECONDS);
    return id;
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void nonReadingResumersCostAtMostTheirWriteBudgetAndAreCutWhileAReaderGetsItsReplay(Vertx vertx)
      throws Exception {
    int clients = 20;
    int events = 1000;
    int budget = 64 * 1024;
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject()
        .put("limits.write_queue_bytes", budget)
        // 2 s: the reader shares this JVM (and its 2 cores) with the node and the 20 silent clients; on a loaded
        // machine its client can take nothing for a second while it parses 57 MiB, and would be cut for it as fairly
        // as the silent ones (it failed 1 run in ~75 under 3 CPU burners at 1 s). The silent ones are cut either way.
        .put("heartbeat_ms", 2000)
        .put("history.max_events", events)), "n1").await(20, TimeUnit.SECONDS);
    GatewayStats stats = g.stats();
    HttpClient http = vertx.createHttpClient();
    String from = helloId(http, g.port(), "big");
    TestOrigin origin = new TestOrigin(vertx, "pub");
    String pad = "x".repeat(60_000);
    for (int i = 1; i <= events; i++) {
      origin.publish("big", "e-" + i + "-" + pad);
    }
    waitFor(() -> stats.eventsReceived.sum() == events, 30_000, "events received");
    long heapBefore = heapAfterGc();
    long directBefore = DirectMemory.used();
    long[] peakDirect = {directBefore};
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peakDirect[0] = Math.max(peakDirect[0], DirectMemory.used());
        LockSupport.parkNanos(5_000_000);
      }
    }, "direct-memory-sampler");
    sampler.setDaemon(true);
    sampler.start();

    List<Socket> silent = new ArrayList<>();
    byte[] get = ("GET /events?topic=big HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Event-ID: " + from + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    try {
      for (int i = 0; i < clients; i++) {
        Socket s = new Socket();
        s.setReceiveBufferSize(2048);
        s.connect(new InetSocketAddress("127.0.0.1", g.port()), 5000);
        OutputStream out = s.getOutputStream();
        out.write(get);
        out.flush();
        silent.add(s);
      }
      waitFor(() -> stats.replays.sum() >= clients, 20_000, "the silent resumers' replays to start");
      long heapWithSilent = heapAfterGc();

      long start = System.currentTimeMillis();
      SseTestClient reader = SseTestClient.open(http, g.port(), "/events?topic=big", resumeFrom(from))
          .await(20, TimeUnit.SECONDS);
      List<SseFrame> got;
      try {
        got = reader.awaitType("message", events).await(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // says whether the reader was cut (its stream ended) or its replay stalled, and how far it got
        throw new AssertionError("the reader's replay did not complete in 30 s: stream ended " + reader.isEnded()
            + ", " + SseTestClient.count(reader.frames(), "message") + " of " + events + " events; " + stats.toJson(),
            e);
      }
      long replayMs = System.currentTimeMillis() - start;

      waitFor(() -> stats.slowConsumersCut.sum() >= clients, 30_000, "the silent resumers to be cut: "
          + stats.toJson());
      sampler.interrupt();
      sampler.join(5000);
      long directGrowth = peakDirect[0] - directBefore;
      long bound = (long) clients * budget + (8L << 20);
      System.out.printf("replay pacing: %d resumers that never read, %d events of 60 kB retained (%d MiB), "
              + "write_queue_bytes=%d: peak direct memory +%d KiB (bound %d KiB = N x budget + 8 MiB), heap after GC "
              + "+%d KiB while they hung; all cut (%d); a reading resumer got its %d-event replay in %d ms%n",
          clients, events, stats.historyBytes.get() >> 20, budget, directGrowth >> 10, bound >> 10,
          (heapWithSilent - heapBefore) >> 10, stats.slowConsumersCut.sum(), events, replayMs);
      assertEquals(events, SseTestClient.count(got, "message"));
      assertEquals(1, stats.openStreams(), "only the reader is left: " + stats.toJson());
      assertTrue(directGrowth < bound, "direct memory grew by " + (directGrowth >> 10) + " KiB");
      assertTrue(heapWithSilent - heapBefore < bound, "heap grew by " + ((heapWithSilent - heapBefore) >> 10)
          + " KiB");
      assertTrue(replayMs < 20_000, "replay took " + replayMs + " ms");
    } finally {
      sampler.interrupt();
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aReplayMuchLargerThanTheBudgetArrivesExactlyOnceInOrderThenTheLiveEvents(Vertx vertx) throws Exception {
    int retained = 4000;
    int live = 30;
    int budget = 256 * 1024;
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject()
        .put("limits.write_queue_bytes", budget)
        .put("history.max_events", retained)), "n1").await(20, TimeUnit.SECONDS);
    HttpClient http = vertx.createHttpClient();
    String from = helloId(http, g.port(), "t");
    TestOrigin origin = new TestOrigin(vertx, "pub");
    String pad = "y".repeat(1000);
    for (int i = 1; i <= retained; i++) {
      origin.publish("t", i + "-" + pad);
    }
    waitFor(() -> g.stats().eventsReceived.sum() == retained, 30_000, "events received");
    SseTestClient reader = SseTestClient.open(http, g.port(), "/events?topic=t", resumeFrom(from))
        .await(20, TimeUnit.SECONDS);
    reader.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    for (int i = retained + 1; i <= retained + live; i++) {
      origin.publish("t", i + "-" + pad);
    }
    List<SseFrame> got = reader.awaitType("message", retained + live).await(60, TimeUnit.SECONDS);
    List<SseFrame> messages = got.stream().filter(f -> f.type().equals("message")).toList();
    assertEquals(retained + live, messages.size());
    for (int i = 0; i < messages.size(); i++) {
      SseFrame f = messages.get(i);
      assertEquals((i + 1) + "-" + pad, f.data(), "event " + (i + 1));
      assertEquals(i + 1, Cursor.parse(f.id()).position("pub"), "id of event " + (i + 1));
    }
    assertEquals(0, g.stats().slowConsumersCut.sum(), "the reader was not cut");
    assertTrue(retained * 1000L > 10L * budget, "the replay is many budgets long");
  }
}
