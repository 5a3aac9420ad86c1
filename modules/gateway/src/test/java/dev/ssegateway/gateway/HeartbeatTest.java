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
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 1000)), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t"))
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 4).map(frames -> s))
        .onComplete(ctx.succeeding(s -> ctx.verify(() -> {
          List<Long> hello = s.arrivalsOf(WireNames.HELLO);
          List<Long> beats = s.arrivalsOf(WireNames.HEARTBEAT);
          long first = beats.get(0) - hello.get(0);
          assertTrue(first >= 900 && first <= 1600, "first heartbeat after " + first + " ms");
          for (int i = 1; i < beats.size(); i++) {
            long gap = beats.get(i) - beats.get(i - 1);
            assertTrue(gap >= 900 && gap <= 1600, "gap " + i + " was " + gap + " ms");
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
