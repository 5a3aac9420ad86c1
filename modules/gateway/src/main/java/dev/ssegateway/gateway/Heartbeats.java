package dev.ssegateway.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.function.Consumer;

/**
 * Each connection's own periodic heartbeat, phase-spread by its connect time. When the interval
 * changes, every connection is rescheduled from its own last heartbeat onto the new grid
 * ({@code last + k * interval}), so a change never fires all connections at once. Every timer started
 * is cancelled when its connection ends; {@link GatewayStats#heartbeatTimers} counts the live ones.
 */
final class Heartbeats {

  private final Vertx vertx;
  private final GatewayStats stats;
  private final Consumer<StreamConnection> onSlow;
  private int intervalMs;
  private io.netty.buffer.ByteBuf chunk;

  Heartbeats(Vertx vertx, GatewayStats stats, int intervalMs, boolean asComment, Consumer<StreamConnection> onSlow) {
    this.vertx = vertx;
    this.stats = stats;
    this.onSlow = onSlow;
    configure(intervalMs, asComment);
  }

  int intervalMs() {
    return intervalMs;
  }

  /** The heartbeat frame for an interval: a named event (visible to browser code) or a comment. */
  static Buffer frame(int intervalMs, boolean asComment) {
    String data = new JsonObject().put("heartbeat_ms", intervalMs).encode();
    return asComment ? SseEncoder.comment("heartbeat " + data) : SseEncoder.body(dev.ssegateway.core.WireNames.HEARTBEAT, data);
  }

  private void configure(int intervalMs, boolean asComment) {
    this.intervalMs = intervalMs;
    this.chunk = SharedChunk.of(frame(intervalMs, asComment));
  }

  void start(StreamConnection c, long nowMs) {
    c.lastHeartbeatMs = nowMs;
    schedule(c, intervalMs);
  }

  void stop(StreamConnection c) {
    if (c.timerId >= 0) {
      vertx.cancelTimer(c.timerId);
      c.timerId = -1;
      stats.heartbeatTimers.decrement();
    }
  }

  /** Applies a new interval or mode to every connection, keeping each one's phase. */
  void reconfigure(int newIntervalMs, boolean asComment, Collection<StreamConnection> connections, long nowMs) {
    boolean intervalChanged = newIntervalMs != intervalMs;
    configure(newIntervalMs, asComment);
    if (!intervalChanged) {
      return;
    }
    for (StreamConnection c : connections) {
      if (c.timerId < 0) {
        continue;
      }
      stop(c);
      long next = c.lastHeartbeatMs + newIntervalMs;
      if (next <= nowMs) {
        long behind = nowMs - c.lastHeartbeatMs;
        next = c.lastHeartbeatMs + (behind / newIntervalMs + 1) * newIntervalMs;
      }
      schedule(c, next - nowMs);
    }
  }

  private void schedule(StreamConnection c, long firstDelayMs) {
    c.timerId = vertx.setPeriodic(Math.max(1, firstDelayMs), intervalMs, id -> beat(c));
    stats.heartbeatTimers.increment();
  }

  /** A stream whose write queue is over its bound, or whose paced replay made no progress for an interval, is slow. */
  private void beat(StreamConnection c) {
    long now = System.currentTimeMillis();
    c.lastHeartbeatMs = now;
    stats.heartbeatsSent.increment();
    if (!c.writeShared(chunk) || c.replayStalledSince(now - intervalMs)) {
      onSlow.accept(c);
    }
  }
}
