package dev.ssegateway.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Each connection's own periodic heartbeat, phase-spread by its connect time. When the interval
 * changes, every connection is rescheduled from its own last heartbeat onto the new grid
 * ({@code last + k * interval}), so a change never fires all connections at once.
 *
 * <p>One timer per lane, not one per stream: the lane's streams wait in a {@link HeartbeatSchedule} (a timing
 * wheel of {@value #TICK_MS} ms slots) and every tick writes the same pre-framed heartbeat chunk to the streams due
 * in it. A stream's heartbeats keep its own phase (each is due one interval after the one before), and arrive at
 * most a tick late. The timer is one-shot, set for the end of the next tick that has a stream due: a lane whose
 * streams are not due wakes for nothing, and a lane without streams has no timer. The heartbeats of a tick are
 * counted once per tick. {@link GatewayStats#heartbeatTimers} counts the streams with a scheduled heartbeat: each
 * is taken out when its stream ends.
 */
final class Heartbeats {

  /** The schedule's resolution: how late at most (plus the loop's own lateness) a heartbeat leaves. */
  static final int TICK_MS = 20;
  /** The longest interval {@code heartbeat_ms} allows: how far ahead a heartbeat can be due. */
  private static final int MAX_INTERVAL_MS = 60_000;

  /** One-shot timers on the lane's event loop (a test runs them on a clock it turns). */
  interface Timers {
    /** Runs {@code task} on the lane's loop after {@code delayMs}; returns an id for {@link #cancel}. */
    long set(long delayMs, Runnable task);

    void cancel(long id);

    static Timers of(Vertx vertx) {
      return new Timers() {
        @Override
        public long set(long delayMs, Runnable task) {
          return vertx.setTimer(delayMs, id -> task.run());
        }

        @Override
        public void cancel(long id) {
          vertx.cancelTimer(id);
        }
      };
    }
  }

  private final Timers timers;
  private final LongSupplier clock;
  private final GatewayStats stats;
  private final Consumer<StreamConnection> onSlow;
  private final HeartbeatSchedule schedule;
  private final Consumer<HeartbeatSchedule.Entry> beat = e -> beat((StreamConnection) e);
  private int intervalMs;
  private io.netty.buffer.ByteBuf chunk;
  private long timerId = -1;
  /** When the armed timer runs, or {@link Long#MAX_VALUE} when none is armed. */
  private long wakeMs = Long.MAX_VALUE;
  /** A tick is running: the streams it puts back in the schedule do not re-arm the timer, the tick's end does. */
  private boolean ticking;
  /** The time of the tick being run, for {@link #beat}. */
  private long tickNowMs;

  Heartbeats(Vertx vertx, GatewayStats stats, int intervalMs, boolean asComment, Consumer<StreamConnection> onSlow) {
    this(Timers.of(vertx), System::currentTimeMillis, stats, intervalMs, asComment, onSlow);
  }

  Heartbeats(Timers timers, LongSupplier clock, GatewayStats stats, int intervalMs, boolean asComment,
             Consumer<StreamConnection> onSlow) {
    this.timers = timers;
    this.clock = clock;
    this.stats = stats;
    this.onSlow = onSlow;
    this.schedule = new HeartbeatSchedule(TICK_MS, MAX_INTERVAL_MS, clock.getAsLong());
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
      if (schedule.size() == 0 && timerId >= 0) {
        timers.cancel(timerId); // nothing left to wake for
        timerId = -1;
        wakeMs = Long.MAX_VALUE;
      }
    }
  }

  /** Whether the lane's heartbeat timer is armed (tests). */
  boolean timerArmed() {
    return timerId >= 0;
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
    if (schedule.size() == 0) {
      schedule.advance(clock.getAsLong(), beat); // nothing to hand out: brings an idle wheel up to now
    }
    long lookMs = schedule.add(c, dueMs);
    stats.heartbeatTimers.increment();
    if (!ticking && lookMs < wakeMs) {
      arm(lookMs);
    }
  }

  private void arm(long atMs) {
    if (timerId >= 0) {
      timers.cancel(timerId);
    }
    wakeMs = atMs;
    timerId = timers.set(Math.max(1, atMs - clock.getAsLong()), this::tick);
  }

  private void tick() {
    timerId = -1;
    wakeMs = Long.MAX_VALUE;
    tickNowMs = clock.getAsLong();
    int sent;
    ticking = true;
    try {
      sent = schedule.advance(tickNowMs, beat);
    } finally {
      ticking = false;
      long next = schedule.nextLookMs(); // re-armed even if a stream's handling threw: the others keep their beat
      if (next != Long.MAX_VALUE) {
        arm(next);
      }
    }
    if (sent > 0) {
      stats.heartbeatsSent.add(sent);
    }
  }

  /**
   * A stream whose write queue is over its bound, or whose paced replay made no progress in the interval before this
   * heartbeat was due, is slow. That interval ends at the due time, not at now: a loop that ran late (a long GC
   * pause, a starved CPU) stalled every socket's progress itself, and must not blame a client that was reading.
   */
  private void beat(StreamConnection c) {
    long now = tickNowMs;
    long due = c.dueMs();
    c.lastHeartbeatMs = now;
    schedule.add(c, nextDue(due, intervalMs, now)); // still counted: taken out by this tick, back in at once
    boolean slow;
    try {
      slow = !c.writeShared(chunk) || c.replayStalledSince(Math.min(due, now) - intervalMs);
    } catch (RuntimeException | OutOfMemoryError e) {
      slow = true; // no memory for this stream's write: it resumes later, the tick goes on with the others
    }
    if (slow) {
      onSlow.accept(c);
    }
  }
}
