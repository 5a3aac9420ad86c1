package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.Event;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What this node has seen of each origin: the last seq taken (so a repeated seq is a duplicate), the seq from which
 * it has seen every event (so a resume from before it is told what it missed), when the last event arrived (so a
 * silent origin is pruned from ids), and where it was pruned. Plain data and arithmetic: no Vert.x, no I/O, no clock
 * of its own; the {@link FanOut} context is its only user, {@link ResumePlan#plan} reads it.
 */
final class Origins {

  /**
   * How far (in events) a client's position may be ahead of this node's last seq of a known origin and still be
   * taken as a cluster peer's lead (events this node has yet to receive, skipped when they come): 10 ms of an
   * origin publishing a million events a second, where a peer's lead is a few ms.
   */
  static final long AHEAD_TOLERANCE = 10_000;
  /**
   * For an origin this node has not seen: how far past now a position may be, in the publishers' clock-based
   * seq units ({@code epoch ms x 1000} at start, plus one per event): 60 s of clock skew.
   */
  static final long CLOCK_SEQ_MARGIN = 60_000L * 1000;
  /** Pruned origins remembered (last seq, coverage) beyond the ones ids name; the oldest are forgotten. */
  static final int MAX_PRUNED_ORIGINS = 10_000;

  /**
   * One origin: the last seq seen, the seq from which this node has seen every event, and when its last event
   * arrived. Kept after the origin is pruned from ids, so that its seqs still dedup, a resume naming it is answered
   * without a {@code reset}, and a rejoining origin learns its high-water mark.
   */
  static final class State {
    final String name;
    long last;
    long coveredFrom;
    long lastArrivalMs;
    /** The stream position right after this origin was pruned from it (null while ids name it). */
    Cursor prunedAt;

    State(String name) {
      this.name = name;
    }
  }

  private final Map<String, State> byName = new HashMap<>();

  /** The state of {@code origin}, or null when this node has not seen it (or forgot it). */
  State get(String origin) {
    return byName.get(origin);
  }

  boolean knows(String origin) {
    return byName.containsKey(origin);
  }

  /** The last seq taken from {@code origin}, 0 for none. */
  long last(String origin) {
    State state = byName.get(origin);
    return state == null ? 0 : state.last;
  }

  /** {@code origin} as the one String this node keeps for it (retained events share it), or as given. */
  String canonical(String origin) {
    State state = byName.get(origin);
    return state == null ? origin : state.name;
  }

  /** Whether this node already took {@code origin}'s event {@code seq} (or a later one). */
  boolean isDuplicate(String origin, long seq) {
    State state = byName.get(origin);
    return state != null && state.last != 0 && seq <= state.last;
  }

  /**
   * Records that this node took {@code origin}'s event {@code seq} at {@code nowMs} (not a duplicate); returns the
   * last seq taken before it (0 for none). A loss ({@link #lostBefore}) restarts the coverage at {@code seq}; so does
   * the first event: a resume from before either is told what it missed. A restart's jump (seqs never published)
   * keeps the coverage: a resume from before it misses nothing.
   */
  long took(String origin, long seq, long startsAbove, long nowMs) {
    State state = byName.computeIfAbsent(origin, State::new);
    long before = state.last;
    if (before == 0 || lostBefore(before, seq, startsAbove)) {
      state.coveredFrom = seq;
    }
    state.last = seq;
    state.lastArrivalMs = nowMs;
    return before;
  }

  /**
   * Whether events of an origin were lost before its event {@code seq}, given the last seq this node took from
   * it ({@code last}, 0 for none) and the event's {@link Event#startsAbove} mark. The first event a node sees of
   * an origin is not a loss (it joined the stream there); a contiguous seq is not; a jump is, unless the event is
   * the first of a restarted origin that started above a high-water mark this node had reached (the seqs in
   * between were never published). A restart above what this node had seen (it missed the old incarnation's last
   * events) is a loss too.
   */
  static boolean lostBefore(long last, long seq, long startsAbove) {
    if (last == 0 || seq == last + 1) {
      return false;
    }
    return startsAbove < 0 || last < startsAbove;
  }

  /**
   * Drops from {@code position} each origin whose last event arrived before {@code beforeMs} and returns the
   * result; {@code pruned} hears of each origin dropped. The state of every silent origin stays (its seqs still
   * dedup), bounded by {@link #MAX_PRUNED_ORIGINS}: the longest silent are forgotten.
   */
  Cursor prune(long beforeMs, Cursor position, Consumer<State> pruned) {
    List<State> silent = new ArrayList<>();
    Cursor next = position;
    for (State state : byName.values()) {
      if (state.lastArrivalMs < beforeMs) {
        if (next.position(state.name) >= 0) {
          next = next.without(state.name);
          state.prunedAt = next;
          pruned.accept(state);
        }
        silent.add(state);
      }
    }
    if (silent.size() > MAX_PRUNED_ORIGINS) {
      silent.sort(Comparator.comparingLong(st -> st.lastArrivalMs));
      for (State st : silent.subList(0, silent.size() - MAX_PRUNED_ORIGINS)) {
        byName.remove(st.name);
      }
    }
    return next;
  }

  /**
   * Whether a client's position {@code at} for an origin can be placed: at or below what this node has seen,
   * or ahead of it by no more than a cluster peer can be ahead ({@link #AHEAD_TOLERANCE} events), or, for an
   * origin this node has not seen yet, no further than a clock-based sequence can have come
   * ({@link #CLOCK_SEQ_MARGIN} past now in the publishers' {@code epoch ms x 1000} numbering).
   */
  static boolean placeable(long last, boolean known, long at, long nowMs) {
    if (known) {
      return at - last <= AHEAD_TOLERANCE;
    }
    return at <= nowMs * 1000 + CLOCK_SEQ_MARGIN;
  }

  boolean placeable(String origin, long at, long nowMs) {
    State state = byName.get(origin);
    return state == null ? placeable(0, false, at, nowMs) : placeable(state.last, true, at, nowMs);
  }
}
