package dev.ssegateway.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it every 20 ms, failing after a deadline: never a fixed sleep. */
public final class Await {

  private Await() {
  }

  public static Future<Void> until(Vertx vertx, BooleanSupplier condition, long timeoutMs, Supplier<String> what) {
    Promise<Void> p = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    if (condition.getAsBoolean()) {
      return Future.succeededFuture();
    }
    vertx.setPeriodic(20, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        p.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        p.tryFail("timed out after " + timeoutMs + " ms waiting for " + what.get());
      }
    });
    return p.future();
  }
}
