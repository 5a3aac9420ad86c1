package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forged or corrupt sequence cannot poison an origin (issue 18, point 4): an event whose seq is far above its
 * origin's window is refused, counted under {@code seq_out_of_window} and announced with a {@code dropped}
 * notice, and the origin's next events are delivered as before.
 */
@ExtendWith(VertxExtension.class)
class SeqWindowTest {

  private static final long NOW_MICROS = 1_780_000_000_000_000L;

  @Test
  void theWindowIsOneHourAboveTheLastSeqOrTheClock() {
    long hour = TimeUnit.HOURS.toMicros(1);
    assertEquals(hour, FanOut.MAX_SEQ_AHEAD);
    assertTrue(FanOut.outsideWindow(Long.MAX_VALUE, 5, NOW_MICROS));
    assertTrue(FanOut.outsideWindow(Long.MAX_VALUE, Long.MAX_VALUE - 1 - hour - 1, NOW_MICROS));
    assertTrue(FanOut.outsideWindow(NOW_MICROS + hour + 1, 0, NOW_MICROS), "a new origin: measured from the clock");
    assertFalse(FanOut.outsideWindow(NOW_MICROS + hour, 0, NOW_MICROS));
    assertFalse(FanOut.outsideWindow(1, 0, NOW_MICROS), "small seqs (tests, counters) are in the window");
    assertFalse(FanOut.outsideWindow(NOW_MICROS - 3 * hour, 0, NOW_MICROS), "a slow clock is not refused");
    long last = NOW_MICROS + 10 * hour; // an origin that ran ahead of this node's clock
    assertFalse(FanOut.outsideWindow(last + hour, last, NOW_MICROS), "measured from the last seq too");
    assertTrue(FanOut.outsideWindow(last + hour + 1, last, NOW_MICROS));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aSeqFarOutsideTheWindowIsRefusedCountedAndTheOriginKeepsBeingDelivered(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject()), "n1").await(10, TimeUnit.SECONDS);
    SseTestClient s = SseTestClient.open(client, g.port(), "/events?topic=t").await(10, TimeUnit.SECONDS);
    s.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    TestOrigin pub = new TestOrigin(vertx, "pub");
    pub.publish("t", "before");
    long ahead = System.currentTimeMillis() * 1000L + TimeUnit.HOURS.toMicros(2);
    for (long forged : new long[] {Long.MAX_VALUE, ahead}) {
      vertx.eventBus().publish(BusAddresses.EVENTS, new JsonObject().put("topic", "t").put("type", "message")
          .put("data", "forged").put("origin", "pub").put("seq", forged).put("ts", System.currentTimeMillis()));
    }
    for (int i = 1; i <= 3; i++) {
      pub.publish("t", "after-" + i);
    }
    List<SseFrame> frames = s.awaitType("message", 4).await(10, TimeUnit.SECONDS);
    ctx.verify(() -> {
      List<SseFrame> seen = frames.stream()
          .filter(f -> !f.type().equals(WireNames.HELLO) && !f.type().equals(WireNames.HEARTBEAT)).toList();
      assertEquals(List.of("message", "dropped", "dropped", "message", "message", "message"),
          seen.stream().map(SseFrame::type).toList(), () -> "frames " + seen);
      assertEquals(List.of("before", "after-1", "after-2", "after-3"),
          s.framesOf("message").stream().map(SseFrame::data).toList());
      JsonObject notice = new JsonObject(seen.get(1).data());
      assertEquals("pub." + Cursor.formatSeq(Long.MAX_VALUE), notice.getString("id"));
      assertEquals("seq_out_of_window", notice.getString("reason"));
      assertEquals("t", notice.getString("topic"));
      assertEquals("pub.1", seen.get(1).id(), "the position does not move to the forged seq");
      assertEquals("pub.4", seen.get(5).id());
      assertEquals(Map.of("seq_out_of_window", 2L), g.stats().droppedByReason());
    });
    // the id a client holds after it resumes exactly: nothing replayed twice, nothing forged
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, "pub.2");
    SseTestClient resumed = SseTestClient.open(client, g.port(), "/events?topic=t", headers).await(10, TimeUnit.SECONDS);
    List<SseFrame> replay = resumed.awaitType("message", 2).await(10, TimeUnit.SECONDS);
    ctx.verify(() -> assertEquals(List.of("after-2", "after-3"),
        replay.stream().filter(f -> f.type().equals("message")).map(SseFrame::data).toList()));
    ctx.completeNow();
  }
}
