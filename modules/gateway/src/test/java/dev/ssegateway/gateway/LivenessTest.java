package dev.ssegateway.gateway;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /health/live} fails when the fan-out's event loop is stuck for longer than the bound, and passes again
 * once it runs: the check is evaluated on whichever loop serves the request, from the heartbeat the stuck loop
 * no longer updates, so it never depends on the stuck loop itself.
 */
@ExtendWith(VertxExtension.class)
class LivenessTest {

  private static final long BOUND_MS = 1000;

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aStuckFanOutLoopFailsLivenessWithinItsBoundAndRecovers(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    CountDownLatch release = new CountDownLatch(1);
    long[] blockedAt = new long[1];
    long[] downAfterMs = new long[1];
    Gateway.deploy(vertx, TestSettings.of(), "n1", List.of(),
            HealthTest.fastProbes(vertx, "n1").setMaxLoopSilenceMs(BOUND_MS))
        .compose(g -> Http.poll(vertx, client, g.port(), "/health/live", a -> a.status() == 200, 10_000)
            .compose(up -> {
              blockedAt[0] = System.currentTimeMillis();
              // the test's own stuck task: bounded, released below once liveness failed
              g.fanOutContext().runOnContext(v -> {
                try {
                  release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
              return Http.poll(vertx, client, g.port(), "/health/live", a -> a.status() != 200, 15_000);
            })
            .compose(down -> {
              downAfterMs[0] = System.currentTimeMillis() - blockedAt[0];
              release.countDown();
              return Http.poll(vertx, client, g.port(), "/health/live", a -> a.status() == 200, 15_000)
                  .map(up -> List.of(down, up));
            }))
        .onComplete(ar -> {
          release.countDown();
          ctx.verify(() -> {
            assertTrue(ar.succeeded(), String.valueOf(ar.cause()));
            Http.Answer down = ar.result().get(0);
            JsonObject body = new JsonObject(down.body());
            System.out.printf("liveness: fan-out loop blocked, /health/live %d after %d ms (bound %d ms): %s%n",
                down.status(), downAfterMs[0], BOUND_MS, down.body());
            assertEquals(503, down.status());
            assertEquals("down", body.getString("status"));
            String detail = body.getJsonObject("checks").getJsonObject("event_loops").getString("detail");
            assertTrue(detail.contains("fan-out"), detail);
            // the loop's last heartbeat may precede the block by one monitor interval
            assertTrue(downAfterMs[0] >= BOUND_MS - LoopMonitor.INTERVAL_MS, "failed too early: " + downAfterMs[0]);
            assertTrue(downAfterMs[0] < BOUND_MS + 5000, "failed late: " + downAfterMs[0]);
            assertEquals(200, ar.result().get(1).status());
            ctx.completeNow();
          });
        });
  }
}
