package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At light load a lane's writes are flushed as they are written (a lone event waits for no other stream's write);
 * under load the events of one loop turn share one batch, flushed once per stream at the turn's end.
 */
@ExtendWith(VertxExtension.class)
class LaneBatchingTest {

  /** Runs {@code task} on the lane and answers whether the lane batched its writes meanwhile. */
  private static CompletableFuture<Boolean> batchedWhile(Lane lane) {
    CompletableFuture<Boolean> seen = new CompletableFuture<>();
    lane.post(() -> seen.complete(lane.batching()));
    return seen;
  }

  /**
   * Waits until {@code loop} has finished the turn it is in. The test thread learns an answer from inside the lane's
   * turn; a task it posts before that turn ends joins the next turn's batch, by design (the turn was not alone).
   */
  private static void turnEnded(Context loop) throws Exception {
    CompletableFuture<Void> idle = new CompletableFuture<>();
    loop.runOnContext(v -> idle.complete(null));
    idle.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLoneEventOnAnIdleLaneIsFlushedAsItIsWritten(Vertx vertx) throws Exception {
    Context loop = vertx.getOrCreateContext();
    Lane lane = new Lane(vertx, loop, new GatewayStats(), "n1", TestSettings.of());
    for (int i = 0; i < 3; i++) {
      assertEquals(false, batchedWhile(lane).get(10, TimeUnit.SECONDS), "event " + i + " waited for a batch");
      turnEnded(loop);
    }
  }

  @Test
  void eventsQueuedForOneTurnShareOneBatchAndTheNextLoneEventStillDoes(Vertx vertx) throws Exception {
    Context loop = vertx.getOrCreateContext();
    Lane lane = new Lane(vertx, loop, new GatewayStats(), "n1", TestSettings.of());
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.runOnContext(v -> {
      busy.countDown();
      try {
        release.await(10, TimeUnit.SECONDS); // the loop is busy while events queue up
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(busy.await(10, TimeUnit.SECONDS));
    List<CompletableFuture<Boolean>> crowded = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      crowded.add(batchedWhile(lane));
    }
    release.countDown();
    for (int i = 0; i < crowded.size(); i++) {
      assertEquals(true, crowded.get(i).get(10, TimeUnit.SECONDS), "queued event " + i + " was not batched");
    }
    // right after a crowded turn the lane is still under load: a lone event is batched too (posted once the crowded
    // turn has ended, else it would join that turn's batch and the turn after it would still count as loaded)
    turnEnded(loop);
    assertEquals(true, batchedWhile(lane).get(10, TimeUnit.SECONDS), "the event after a crowded turn");
    // a quiet turn later, the lane is at light load again (the turn above was alone once the test waits for its end)
    turnEnded(loop);
    assertEquals(false, batchedWhile(lane).get(10, TimeUnit.SECONDS), "a lone event after a quiet turn");
  }

  @Test
  void anEventThatArrivesDuringALoneOneIsBatchedInTheNextTurn(Vertx vertx) throws Exception {
    Lane lane = new Lane(vertx, vertx.getOrCreateContext(), new GatewayStats(), "n1", TestSettings.of());
    CompletableFuture<Long> first = new CompletableFuture<>();
    CompletableFuture<Long> second = new CompletableFuture<>();
    lane.post(() -> {
      first.complete(lane.batching() ? -1 : lane.turns());
      lane.post(() -> second.complete(lane.batching() ? lane.turns() : -1)); // arrives while the lone one runs
    });
    long loneTurn = first.get(10, TimeUnit.SECONDS);
    assertTrue(loneTurn > 0, "the lone event was batched");
    long nextTurn = second.get(10, TimeUnit.SECONDS);
    assertTrue(nextTurn > loneTurn, "the event that came during a lone one is batched, in a later turn (no stream"
        + " flushed twice in one turn): turn " + nextTurn + " after " + loneTurn);
  }
}
