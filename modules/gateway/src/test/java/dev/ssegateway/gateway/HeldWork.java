package dev.ssegateway.gateway;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * {@link Seams} that make the fan-out or one lane look stuck while its event loop is fine: work handed to a held
 * {@link Gate} waits, in order, until it is released. No thread is blocked. Build the gateway with {@link #seams()}.
 */
final class HeldWork {

  /** Holds work on one context; touched only on that context. */
  static final class Gate implements Executor {
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private boolean holding;

    @Override
    public void execute(Runnable task) {
      if (holding) {
        held.addLast(task);
      } else {
        task.run();
      }
    }

    /** From now on (once {@code context} runs this), work waits. */
    void hold(Context context) {
      context.runOnContext(v -> holding = true);
    }

    /** Runs what waited, in order, on {@code context}; later work runs at once again. */
    void release(Context context) {
      context.runOnContext(v -> {
        holding = false;
        while (!held.isEmpty()) {
          held.pollFirst().run();
        }
      });
    }
  }

  /** Holds the fan-out's bus messages: it stops taking events, as a stuck consumer would. */
  final Gate fanOut = new Gate();
  private final Map<Context, Gate> lanes = new ConcurrentHashMap<>();

  Seams seams() {
    return new Seams(Seams.NONE.chunks(), handler -> (Message<Object> m) -> fanOut.execute(() -> handler.handle(m)),
        context -> lanes.computeIfAbsent(context, c -> new Gate()));
  }

  /** The gate of the lane on {@code context}: it holds every task posted to that lane. */
  Gate lane(Context context) {
    return lanes.get(context);
  }
}
