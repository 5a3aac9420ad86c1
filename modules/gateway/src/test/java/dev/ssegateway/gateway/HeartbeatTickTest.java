package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lane's heartbeat timer on a clock the test turns: it is set for the next tick that has a stream due (a lane
 * whose streams are not due does not wake every tick), one tick writes every stream due in it and counts them
 * once, no timer is left without streams, a live change to a shorter interval brings the timer forward, and a loop
 * that ran late blames no replaying stream for the stall it caused itself.
 */
class HeartbeatTickTest {

  /** One-shot timers run by the test: {@link #runUntil} turns the clock and runs what is due, in order. */
  private static final class TestTimers implements Heartbeats.Timers {
    long now;
    long nextId;
    final TreeMap<Long, List<Object[]>> byTime = new TreeMap<>();
    final List<Long> delays = new ArrayList<>();
    int runs;

    @Override
    public long set(long delayMs, Runnable task) {
      long id = nextId++;
      delays.add(delayMs);
      byTime.computeIfAbsent(now + delayMs, t -> new ArrayList<>()).add(new Object[] {id, task});
      return id;
    }

    @Override
    public void cancel(long id) {
      byTime.values().forEach(l -> l.removeIf(t -> (long) t[0] == id));
      byTime.values().removeIf(List::isEmpty);
    }

    int armed() {
      return byTime.values().stream().mapToInt(List::size).sum();
    }

    void runUntil(long endMs) {
      for (int guard = 0; guard < 1_000_000 && !byTime.isEmpty() && byTime.firstKey() <= endMs; guard++) {
        var first = byTime.pollFirstEntry();
        now = Math.max(now, first.getKey());
        for (Object[] t : first.getValue()) {
          runs++;
          ((Runnable) t[1]).run();
        }
      }
      now = Math.max(now, endMs);
    }
  }

  /** A stream that records when each of its heartbeats was written. */
  private static StreamConnection stream(TestTimers timers, List<Long> beats) {
    StreamTarget target = new StreamTarget() {
      @Override
      public void write(Buffer bytes) {
        beats.add(timers.now);
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }
    };
    return new StreamConnection(target, Set.of("t"), "test");
  }

  /** A replay far longer than any piece the tests let the socket take: the stream stays in its paced replay. */
  private static List<EncodedEvent> longReplay() {
    List<EncodedEvent> events = new ArrayList<>();
    for (long seq = 1; seq <= 100; seq++) {
      events.add(new EncodedEvent("t", "p", seq, seq, Cursor.EMPTY.advance("p", seq), "message", "x".repeat(1000), 0,
          0));
    }
    return events;
  }

  @Test
  void aLoopThatRanLateBlamesNoReadingReplayButOneThatTookNothingWhileTheLoopRanIsCut() {
    TestTimers timers = new TestTimers();
    List<StreamConnection> slow = new ArrayList<>();
    Heartbeats hb = new Heartbeats(timers, () -> timers.now, new GatewayStats(), 1_000, false, slow::add);
    List<Long> beats = new ArrayList<>();
    StreamConnection reading = stream(timers, beats);
    StreamConnection stuck = stream(timers, beats);
    reading.startReplay(longReplay(), 64 * 1024, 0);
    stuck.startReplay(longReplay(), 64 * 1024, 0);
    hb.start(reading, 0);
    hb.start(stuck, 0);
    // the reading client's socket takes a piece at 900 ms, then the loop stalls for 2.3 s (a long GC pause, a starved
    // CPU): the heartbeats due at 1,000 ms run at 3,300 ms, when no socket could have taken anything for 2.4 s
    reading.pieceWritten(0, 900);
    timers.now = 3_300;
    timers.runUntil(3_300);
    assertEquals(2, beats.size(), "both heartbeats were written, late");
    assertEquals(List.of(), slow, "the loop's own stall is not the clients'");
    // on time again: the replay that has taken nothing for a whole interval before its next heartbeat is cut, the
    // reading one (it takes pieces again once the loop runs) is not
    reading.pieceWritten(0, 3_400);
    timers.runUntil(4_100);
    assertEquals(List.of(stuck), slow);
  }

  @Test
  void theTimerIsSetForTheNextDueTickNotForEveryTick() {
    TestTimers timers = new TestTimers();
    GatewayStats stats = new GatewayStats();
    Heartbeats hb = new Heartbeats(timers, () -> timers.now, stats, 10_000, false, c -> { });
    List<Long> beats = new ArrayList<>();
    StreamConnection c = stream(timers, beats);
    timers.now = 1_005;
    hb.start(c, timers.now);
    timers.runUntil(61_100);
    assertEquals(6, beats.size(), "beats " + beats);
    for (int k = 0; k < beats.size(); k++) {
      long due = 1_005 + (k + 1) * 10_000L;
      assertTrue(beats.get(k) >= due && beats.get(k) < due + Heartbeats.TICK_MS, "beat " + k + " at " + beats.get(k));
    }
    // one wake-up per heartbeat, not one per 20 ms tick (3,000 in these 60 s)
    assertEquals(6, timers.runs);
    assertTrue(timers.delays.stream().allMatch(d -> d > 9_000), "delays " + timers.delays);
    assertEquals(6, stats.heartbeatsSent.sum());
  }

  @Test
  void oneTickWritesEveryStreamDueInItAndCountsThemOnce() {
    TestTimers timers = new TestTimers();
    GatewayStats stats = new GatewayStats();
    Heartbeats hb = new Heartbeats(timers, () -> timers.now, stats, 1_000, false, c -> { });
    List<Long> beats = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      timers.now = 41 + i % 7; // seven phases, all due within one tick (1,041..1,047)
      hb.start(stream(timers, beats), timers.now);
    }
    timers.runUntil(1_060);
    assertEquals(500, beats.size());
    assertEquals(1, timers.runs, "one tick wrote them all");
    assertTrue(beats.stream().allMatch(t -> t == 1_060), "written at " + beats.stream().distinct().toList());
    assertEquals(500, stats.heartbeatsSent.sum());
    assertEquals(500, stats.heartbeatTimers.sum());
  }

  @Test
  void noTimerIsLeftOnceTheLastStreamStops() {
    TestTimers timers = new TestTimers();
    GatewayStats stats = new GatewayStats();
    Heartbeats hb = new Heartbeats(timers, () -> timers.now, stats, 5_000, false, c -> { });
    List<Long> beats = new ArrayList<>();
    StreamConnection a = stream(timers, beats);
    StreamConnection b = stream(timers, beats);
    hb.start(a, 0);
    timers.now = 2_000;
    hb.start(b, 2_000);
    assertEquals(1, timers.armed(), "one timer per lane");
    hb.stop(a);
    assertTrue(hb.timerArmed());
    hb.stop(b);
    assertFalse(hb.timerArmed());
    assertEquals(0, timers.armed());
    assertEquals(0, stats.heartbeatTimers.sum());
    timers.runUntil(60_000);
    assertEquals(List.of(), beats);
  }

  @Test
  void aLiveChangeToAShorterIntervalBringsTheTimerForward() {
    TestTimers timers = new TestTimers();
    GatewayStats stats = new GatewayStats();
    Heartbeats hb = new Heartbeats(timers, () -> timers.now, stats, 30_000, false, c -> { });
    List<Long> beats = new ArrayList<>();
    StreamConnection c = stream(timers, beats);
    hb.start(c, 0);
    timers.runUntil(500);
    hb.reconfigure(1_000, false, List.of(c), timers.now); // first new heartbeat one new interval after the last (0)
    timers.runUntil(3_500);
    assertEquals(3, beats.size(), "beats " + beats);
    assertTrue(beats.get(0) >= 1_000 && beats.get(0) < 1_000 + Heartbeats.TICK_MS, "first at " + beats.get(0));
    assertEquals(1, timers.armed());
  }
}
