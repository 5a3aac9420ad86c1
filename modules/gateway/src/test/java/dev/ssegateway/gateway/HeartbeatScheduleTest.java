package dev.ssegateway.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lane's heartbeat schedule on a clock the test turns: never early, at most a tick late, each entry on its
 * own phase, removed entries never handed out, and a caller that comes late (a busy loop) loses nothing.
 */
class HeartbeatScheduleTest {

  private static final int TICK = 20;

  private static final class Stream extends HeartbeatSchedule.Entry {
    final List<Long> handedAt = new ArrayList<>();
  }

  @Test
  void everyEntryIsHandedOutAtItsDueTimeOrUpToOneTickLaterNeverEarly() {
    SplittableRandom random = new SplittableRandom(7);
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 60_000, 0);
    Map<Stream, Long> due = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      Stream e = new Stream();
      long at = 1 + random.nextLong(60_000);
      due.put(e, at);
      s.add(e, at);
    }
    assertEquals(2000, s.size());
    for (long now = 1; now <= 61_000; now++) {
      long t = now;
      s.advance(now, e -> ((Stream) e).handedAt.add(t));
    }
    assertEquals(0, s.size());
    due.forEach((e, at) -> {
      assertEquals(1, e.handedAt.size(), "handed out once");
      long late = e.handedAt.get(0) - at;
      assertTrue(late >= 0 && late < TICK, "due " + at + ", handed out at " + e.handedAt.get(0));
    });
  }

  @Test
  void rescheduledEntriesKeepTheirOwnPhaseWhenTheCallerRunsLate() {
    int interval = 1000;
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 60_000, 0);
    List<Stream> streams = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Stream e = new Stream();
      streams.add(e);
      s.add(e, interval + i * 17L); // phases spread by connect time
    }
    // the caller's timer is late and irregular: every 37 ms, one 900 ms stall
    for (long now = 0; now <= 30_000; now += (now > 10_000 && now < 10_040) ? 900 : 37) {
      long t = now;
      s.advance(now, e -> {
        ((Stream) e).handedAt.add(t);
        s.add(e, Heartbeats.nextDue(e.dueMs(), interval, t));
      });
    }
    for (int i = 0; i < streams.size(); i++) {
      Stream e = streams.get(i);
      long phase = interval + i * 17L;
      assertTrue(e.handedAt.size() >= 28, "beats " + e.handedAt.size());
      for (int k = 0; k < e.handedAt.size(); k++) {
        long at = e.handedAt.get(k);
        long dueAt = phase + (long) k * interval;
        assertTrue(at >= dueAt, "beat " + k + " of stream " + i + " early: " + at + " < " + dueAt);
        // late by the caller's period (37 ms) plus a tick, or by the stall
        assertTrue(at - dueAt < 37 + TICK || (at > 10_000 && at < 11_000),
            "beat " + k + " of stream " + i + " at " + at + ", due " + dueAt);
      }
    }
  }

  @Test
  void aRemovedEntryIsNeverHandedOutAndTheOthersAre() {
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 60_000, 0);
    Stream a = new Stream();
    Stream b = new Stream();
    Stream c = new Stream();
    s.add(a, 100);
    s.add(b, 100); // same slot: removal from the middle and the head of a chain
    s.add(c, 100);
    s.remove(b);
    s.remove(b); // twice: nothing
    assertFalse(b.scheduled());
    assertEquals(2, s.size());
    List<HeartbeatSchedule.Entry> handed = new ArrayList<>();
    s.advance(100, handed::add);
    assertEquals(List.of(c, a), handed);
    assertEquals(0, s.size());
    s.add(b, 150);
    s.remove(b);
    assertEquals(0, s.advance(1_000, handed::add));
  }

  @Test
  void aCallerLateByMoreThanAWholeTurnLosesNothingAndHandsOutNothingEarly() {
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 1_000, 0); // a small wheel: 64 slots, 1.28 s a turn
    Stream soon = new Stream();
    Stream far = new Stream();
    Stream later = new Stream();
    s.add(soon, 500);
    s.add(far, 4_990); // beyond the horizon: several turns ahead
    s.add(later, 20_000);
    List<HeartbeatSchedule.Entry> handed = new ArrayList<>();
    assertEquals(0, s.advance(499, handed::add));
    assertEquals(1, s.advance(4_000, handed::add)); // 3.5 s late: more than a turn
    assertEquals(List.of(soon), handed);
    assertEquals(0, s.advance(4_999, handed::add)); // due at 4,990: handed out at the end of its tick
    assertEquals(1, s.advance(5_000, handed::add));
    assertEquals(0, s.advance(19_999, handed::add));
    assertEquals(1, s.advance(20_000, handed::add));
    assertEquals(List.of(soon, far, later), handed);
  }

  @Test
  void anEntryDueInThePastIsHandedOutAtTheNextAdvance() {
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 60_000, 10_000);
    Stream e = new Stream();
    s.add(e, 5_000);
    List<HeartbeatSchedule.Entry> handed = new ArrayList<>();
    assertEquals(1, s.advance(10_020, handed::add));
  }

  @Test
  void anEntryAddedAgainWhileHandedOutIsNotHandedOutTwiceInOneAdvance() {
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 60_000, 0);
    Stream e = new Stream();
    s.add(e, 100);
    int[] n = {0};
    s.advance(5_000, x -> {
      n[0]++;
      s.add(x, 100 + 4_096L * TICK); // exactly one turn later: the same slot as the one being walked
    });
    assertEquals(1, n[0]);
    assertTrue(e.scheduled());
  }

  @Test
  void aCallerThatAdvancesOnlyAtTheNextLookTimeHandsEveryEntryOutInTimeAndSkipsEmptyTicks() {
    SplittableRandom random = new SplittableRandom(11);
    HeartbeatSchedule s = new HeartbeatSchedule(TICK, 1_000, 0); // 64 slots: many entries a turn or more ahead
    Map<Stream, Long> due = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      Stream e = new Stream();
      long at = 1 + random.nextLong(5_000);
      due.put(e, at);
      long look = s.add(e, at);
      assertTrue(look <= Math.max(at, TICK) + TICK - 1 && look > 0, "look at " + look + " for due " + at);
    }
    int advances = 0;
    for (long now = s.nextLookMs(); now != Long.MAX_VALUE && advances < 10_000; now = s.nextLookMs()) {
      long t = now;
      s.advance(now, e -> ((Stream) e).handedAt.add(t));
      advances++;
    }
    assertEquals(0, s.size());
    assertEquals(Long.MAX_VALUE, s.nextLookMs());
    due.forEach((e, at) -> {
      assertEquals(1, e.handedAt.size(), "handed out once");
      long late = e.handedAt.get(0) - at;
      assertTrue(late >= 0 && late < TICK, "due " + at + ", handed out at " + e.handedAt.get(0));
    });
    // 40 entries over 5 s: far fewer looks than the 250 ticks of those 5 s (at most one early look a turn each)
    assertTrue(advances <= 40 * 5, "advances " + advances);
  }

  @Test
  void afterAnIntervalChangeTheFirstNewHeartbeatIsOneNewIntervalAfterTheLastOne() {
    assertEquals(4_000, Heartbeats.nextAfterChange(1_000, 3_000, 2_500));
    // the new interval is shorter than the time since the last heartbeat: the next point of that grid after now
    assertEquals(6_000, Heartbeats.nextAfterChange(1_000, 1_000, 5_500));
    assertEquals(6_000, Heartbeats.nextAfterChange(1_000, 1_000, 5_000));
    // a late tick never makes a stream's next heartbeat due in the past, and keeps it on its grid
    assertEquals(2_000, Heartbeats.nextDue(1_000, 1_000, 1_010));
    assertEquals(4_000, Heartbeats.nextDue(1_000, 1_000, 3_500));
  }
}
