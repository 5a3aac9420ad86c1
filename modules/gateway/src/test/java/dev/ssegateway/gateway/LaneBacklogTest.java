package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What waits for a lane's event loop is counted ({@code lane_backlog}, {@code sse.lane.backlog}) until it runs. */
@ExtendWith(VertxExtension.class)
class LaneBacklogTest {

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void handOffsQueuedBehindABusyLoopAreCountedUntilTheyRun(Vertx vertx, VertxTestContext ctx) throws Exception {
    GatewayStats stats = new GatewayStats();
    Context loop = vertx.getOrCreateContext();
    Lane lane = new Lane(vertx, loop, stats, "n1", TestSettings.of());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.runOnContext(v -> {
      busy.countDown();
      try {
        release.await(10, TimeUnit.SECONDS); // the loop is stuck in other work for a moment
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(busy.await(10, TimeUnit.SECONDS));
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 600; i++) { // more than one drain turn (256) can take
      lane.post(ran::incrementAndGet);
    }
    assertEquals(600, stats.laneBacklog.sum());
    assertEquals(600, stats.toJson().getLong("lane_backlog"));
    release.countDown();
    Await.until(vertx, () -> ran.get() == 600 && stats.laneBacklog.sum() == 0, 10_000,
        () -> "ran " + ran.get() + ", backlog " + stats.laneBacklog.sum())
        .onComplete(ctx.succeedingThenComplete());
  }
}
