package dev.ssegateway.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.function.Consumer;

/**
 * Each connection's own periodic heartbeat, phase-spread by its connect time. When the interval
 * changes, every connection is rescheduled from its own last heartbeat onto the new grid
 * ({@code last + k * interval}), so a change never fires all connections at once.
 *
 * <p>One timer per lane, not one per stream: the lane's streams wait in a {@link HeartbeatSchedule} (a timing
 * wheel of {@value #TICK_MS} ms slots) and every tick writes the same pre-framed heartbeat chunk to the streams due
 * in it. A stream's heartbeats keep its own phase (each is due one interval after the one before), and arrive at
 * most a tick late. The timer runs only while the lane has streams. {@link GatewayStats#heartbeatTimers} counts the
 * streams with a scheduled heartbeat: each is taken out when its stream ends.
 */
final class Heartbeats {

  /** The schedule's resolution: how late at most (plus the loop's own lateness) a heartbeat leaves. */
  static final int TICK_MS = 20;
  /** The longest interval {@code heartbeat_ms} allows: how far ahead a heartbeat can be due. */
  private static final int MAX_INTERVAL_MS = 60_000;

  private final Vertx vertx;
  private final GatewayStats stats;
  private final Consumer<StreamConnection> onSlow;
  private final HeartbeatSchedule schedule;
  private final Consumer<HeartbeatSchedule.Entry> beat = e -> beat((StreamConnection) e);
  private int intervalMs;
  private io.netty.buffer.ByteBuf chunk;
  private long timerId = -1;
  /** The time of the tick being run, for {@link #beat}. */
  private long tickNowMs;

  Heartbeats(Vertx vertx, GatewayStats stats, int intervalMs, boolean asComment, Consumer<StreamConnection> onSlow) {
    this.vertx = vertx;
    this.stats = stats;
    this.onSlow = onSlow;
    this.schedule = new HeartbeatSchedule(TICK_MS, MAX_INTERVAL_MS, System.currentTimeMillis());
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

  /** The stream's first heartbeat is due one interval from {@code nowMs}. Call on the lane's loop. */
  void start(StreamConnection c, long nowMs) {
    c.lastHeartbeatMs = nowMs;
    add(c, nowMs + intervalMs);
  }

  void stop(StreamConnection c) {
    if (c.scheduled()) {
      schedule.remove(c);
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
      if (!c.scheduled()) {
        continue;
      }
      stop(c);
      add(c, nextAfterChange(c.lastHeartbeatMs, newIntervalMs, nowMs));
    }
  }

  /** The first heartbeat after an interval change: one new interval after the last one, on that grid after now. */
  static long nextAfterChange(long lastMs, int newIntervalMs, long nowMs) {
    long next = lastMs + newIntervalMs;
    if (next <= nowMs) {
      long behind = nowMs - lastMs;
      next = lastMs + (behind / newIntervalMs + 1) * newIntervalMs;
    }
    return next;
  }

  /** The heartbeat after one due at {@code dueMs} and sent at {@code nowMs}: on the stream's grid, after now. */
  static long nextDue(long dueMs, int intervalMs, long nowMs) {
    long next = dueMs + intervalMs;
    if (next <= nowMs) {
      next += ((nowMs - next) / intervalMs + 1) * intervalMs; // the loop was late by more than an interval
    }
    return next;
  }

  private void add(StreamConnection c, long dueMs) {
    schedule.add(c, dueMs);
    stats.heartbeatTimers.increment();
    if (timerId < 0) {
      timerId = vertx.setPeriodic(TICK_MS, id -> tick());
    }
  }

  private void tick() {
    tickNowMs = System.currentTimeMillis();
    schedule.advance(tickNowMs, beat);
    if (schedule.size() == 0 && timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /** A stream whose write queue is over its bound, or whose paced replay made no progress for an interval, is slow. */
  private void beat(StreamConnection c) {
    long now = tickNowMs;
    c.lastHeartbeatMs = now;
    schedule.add(c, nextDue(c.dueMs(), intervalMs, now)); // still counted: taken out by this tick, back in at once
    stats.heartbeatsSent.increment();
    boolean slow;
    try {
      slow = !c.writeShared(chunk) || c.replayStalledSince(now - intervalMs);
    } catch (RuntimeException | OutOfMemoryError e) {
      slow = true; // no memory for this stream's write: it resumes later, the tick goes on with the others
    }
    if (slow) {
      onSlow.accept(c);
    }
  }
}
