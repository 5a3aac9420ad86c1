package dev.ssegateway.gateway;

import io.vertx.core.Vertx;

/**
 * Measures how late one event loop runs its tasks: a timer re-armed every {@link #INTERVAL_MS} notes how long
 * after its due time it fired. A loop that is blocked or saturated fires late, or not at all: the delay seen
 * from another thread then grows with the time since the timer was due. Written on its loop, read anywhere.
 */
final class LoopMonitor {

  static final long INTERVAL_MS = 100;

  private final Vertx vertx;
  private final GatewayStats stats;
  private volatile long dueNanos;
  private volatile long lastDelayNanos;
  private volatile long lastTickNanos;

  private LoopMonitor(Vertx vertx, GatewayStats stats) {
    this.vertx = vertx;
    this.stats = stats;
  }

  /** Starts measuring the loop of the calling context (a verticle's: the timer ends with its undeployment). */
  static LoopMonitor start(Vertx vertx, GatewayStats stats) {
    LoopMonitor m = new LoopMonitor(vertx, stats);
    m.lastTickNanos = System.nanoTime();
    m.arm();
    return m;
  }

  private void arm() {
    dueNanos = System.nanoTime() + INTERVAL_MS * 1_000_000;
    vertx.setTimer(INTERVAL_MS, id -> tick());
  }

  private void tick() {
    long now = System.nanoTime();
    long delay = Math.max(0, now - dueNanos);
    lastDelayNanos = delay;
    lastTickNanos = now;
    stats.recordLoopDelay(delay);
    arm();
  }

  /** The loop's current delay: the last one measured, or, if the timer is overdue now, how overdue it is. */
  long delayNanos(long nowNanos) {
    return Math.max(lastDelayNanos, nowNanos - dueNanos);
  }

  /** Nanoseconds since the loop last ran this monitor's timer. */
  long silenceNanos(long nowNanos) {
    return nowNanos - lastTickNanos;
  }
}
