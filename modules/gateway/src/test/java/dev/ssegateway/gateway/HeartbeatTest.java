package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class HeartbeatTest {

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void heartbeatsArriveEveryIntervalCarryingTheInterval(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    long[] asked = new long[1];
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 1000)), "n1")
        .compose(g -> {
          asked[0] = System.currentTimeMillis();
          return SseTestClient.open(client, g.port(), "/events?topic=t");
        })
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 4).map(frames -> s))
        .onComplete(ctx.succeeding(s -> ctx.verify(() -> {
          long hello = s.arrivalsOf(WireNames.HELLO).get(0);
          List<Long> beats = s.arrivalsOf(WireNames.HEARTBEAT);
          // Heartbeat k is due k intervals after the stream started, which is after the client asked and before its
          // hello arrived. So it arrives no earlier than k intervals after the ask (exact: never early), and no
          // later than k intervals plus 600 ms after the hello (1000..1600 ms per interval). Measured on this one
          // grid, not from the previous heartbeat's arrival: one heartbeat delivered late (a loaded client loop)
          // then shortens the next gap, which says nothing about the gateway (once 864 ms under load).
          for (int k = 1; k <= beats.size(); k++) {
            long sinceAsked = beats.get(k - 1) - asked[0];
            long sinceHello = beats.get(k - 1) - hello;
            assertTrue(sinceAsked >= k * 1000L, "heartbeat " + k + " early: " + sinceAsked + " ms after the request");
            assertTrue(sinceHello <= k * 1000L + 600, "heartbeat " + k + " late: " + sinceHello + " ms after hello");
          }
          for (SseFrame f : s.framesOf(WireNames.HEARTBEAT)) {
            assertEquals(1000, new JsonObject(f.data()).getInteger("heartbeat_ms"));
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void commentModeSendsHeartbeatsAsCommentLines(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 1000)
            .put("heartbeat_mode", "comment")), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t"))
        .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s))
        .onComplete(ctx.succeeding(s -> vertx.setPeriodic(100, id -> {
          if (!s.comments().isEmpty()) {
            vertx.cancelTimer(id);
            ctx.verify(() -> {
              assertEquals("heartbeat {\"heartbeat_ms\":1000}", s.comments().get(0));
              assertEquals(0, s.framesOf(WireNames.HEARTBEAT).size());
              ctx.completeNow();
            });
          }
        })));
  }
}
