package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.DirectMemory;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The history is bounded by count, and what one retained event costs is measured: heap plus the off-heap
 * memory of its shared chunk (direct buffers, freed by the garbage collector).
 */
@ExtendWith(VertxExtension.class)
class HistoryMemoryTest {

  private static long usedMemoryAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return heapUsed() + DirectMemory.used();
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }


  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void retainedEventsAreBoundedByCountAndCostAFewHundredBytesEach(Vertx vertx, VertxTestContext ctx) {
    int retained = 20_000;
    int published = 30_000;
    String data = "{\"order\":12345,\"status\":\"created\",\"amount\":\"99.95\",\"customer\":\"c-000042\"}";
    TestOrigin origin = new TestOrigin(vertx, "mem");
    long[] before = new long[1];
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_events", retained)), "n1")
        .compose(g -> {
          before[0] = usedMemoryAfterGc();
          for (int i = 0; i < published; i++) {
            origin.publish("orders", "created", data);
          }
          return Await.until(vertx, () -> g.stats().eventsReceived.sum() == published, 30_000,
              () -> "events received " + g.stats().toJson()).map(v -> g);
        })
        .onComplete(ctx.succeeding(g -> ctx.verify(() -> {
          long after = usedMemoryAfterGc();
          long directAfter = DirectMemory.used();
          assertEquals(retained, g.stats().historyEvents.get(), "history holds exactly max_events");
          double perEvent = (after - before[0]) / (double) retained;
          System.out.printf("history: %d events of %d data bytes retained; memory +%d bytes = %.0f bytes per "
                  + "retained event, heap and off-heap (off-heap in all: %d bytes; estimate in stats: %d bytes)%n", retained, data.length(),
              after - before[0], perEvent, directAfter, g.stats().historyBytes.get() / retained);
          assertTrue(perEvent < 2048, "bytes per retained event: " + perEvent);
          ctx.completeNow();
        })));
  }
}
