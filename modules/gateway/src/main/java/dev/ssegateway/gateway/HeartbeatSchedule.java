package dev.ssegateway.gateway;

import java.util.function.Consumer;

/**
 * When each stream of a lane is due its next heartbeat: a timing wheel of {@code tickMs} slots, so that one
 * timer per lane serves every stream instead of one timer per stream. An entry due at {@code d} is handed out by
 * the first {@link #advance} whose time is at or after {@code d} and at or after the end of its tick: never early,
 * late by at most a tick (plus however late the caller's timer runs). Each entry keeps its own due time, so
 * streams keep their own phase. The links live in the entries themselves ({@link Entry}): no object per
 * scheduled heartbeat. Pure: time is what the caller says it is; not thread-safe (one event loop).
 */
final class HeartbeatSchedule {

  /** Something with a due time in a schedule (a stream); the links are the schedule's business. */
  abstract static class Entry {
    private Entry prev;
    private Entry next;
    private long dueMs;
    /** The slot whose chain holds this entry, or -1 when not scheduled. */
    private int slot = -1;

    /** When this entry is (or was last) due. */
    final long dueMs() {
      return dueMs;
    }

    final boolean scheduled() {
      return slot >= 0;
    }
  }

  private final int tickMs;
  private final Entry[] slots;
  private final int mask;
  /** The last tick handed out: every entry due at or before its end has been handed out. */
  private long doneTick;
  private int size;

  /**
   * A schedule of {@code tickMs} slots for entries due at most {@code horizonMs} ahead (later ones work too, they
   * are just looked at once per turn of the wheel), starting at {@code nowMs}.
   */
  HeartbeatSchedule(int tickMs, long horizonMs, long nowMs) {
    if (tickMs < 1 || horizonMs < 1) {
      throw new IllegalArgumentException("tickMs and horizonMs must be positive");
    }
    this.tickMs = tickMs;
    int n = Integer.highestOneBit((int) Math.min(1 << 20, horizonMs / tickMs + 2) * 2 - 1);
    this.slots = new Entry[n];
    this.mask = n - 1;
    this.doneTick = Math.floorDiv(nowMs, tickMs);
  }

  int tickMs() {
    return tickMs;
  }

  /** How many entries are scheduled. */
  int size() {
    return size;
  }

  /**
   * Schedules {@code e} (not scheduled yet) to be due at {@code dueMs}. Returns the time from which an
   * {@link #advance} looks at the entry's slot: at or before {@code dueMs} when it is further ahead than a turn of
   * the wheel, else the end of the tick it is handed out in.
   */
  long add(Entry e, long dueMs) {
    if (e.slot >= 0) {
      throw new IllegalStateException("already scheduled");
    }
    e.dueMs = dueMs;
    size++;
    // the tick whose end is the first at or after the due time, but never one already handed out
    long tick = Math.max(Math.floorDiv(dueMs + tickMs - 1, tickMs), doneTick + 1);
    link(e, (int) (tick & mask));
    return (doneTick + 1 + Math.floorMod(tick - doneTick - 1, (long) slots.length)) * tickMs;
  }

  /**
   * When the next {@link #advance} may hand out an entry: the end of the first tick not yet handed out whose slot
   * holds one (an entry due a turn of the wheel later makes that an early look, never a late one), or
   * {@link Long#MAX_VALUE} when nothing is scheduled. A caller that advances only then skips the empty ticks.
   * Looks at most at every slot once.
   */
  long nextLookMs() {
    if (size == 0) {
      return Long.MAX_VALUE;
    }
    for (int i = 1; i <= slots.length; i++) {
      if (slots[(int) ((doneTick + i) & mask)] != null) {
        return (doneTick + i) * tickMs;
      }
    }
    throw new IllegalStateException("size " + size + " but every slot empty");
  }

  /** Takes {@code e} out of the schedule; nothing when it is not scheduled. */
  void remove(Entry e) {
    if (e.slot < 0) {
      return;
    }
    unlink(e);
    size--;
  }

  /**
   * Hands every entry due at or before {@code nowMs} to {@code due}, each taken out of the schedule first (the
   * consumer may {@link #add} it again, for a time after {@code nowMs}). Looks at most at every slot once, however
   * long ago the last call was. Returns how many entries were handed out.
   */
  int advance(long nowMs, Consumer<? super Entry> due) {
    long nowTick = Math.floorDiv(nowMs, tickMs);
    long turns = Math.min(nowTick - doneTick, slots.length);
    int handed = 0;
    for (long i = 1; i <= turns; i++) {
      int slot = (int) ((doneTick + i) & mask);
      Entry e = slots[slot];
      slots[slot] = null; // the slot's chain is walked detached: entries added meanwhile go elsewhere or after it
      while (e != null) {
        Entry next = e.next;
        e.prev = null;
        e.next = null;
        e.slot = -1;
        if (e.dueMs <= nowMs) {
          size--;
          handed++;
          due.accept(e);
        } else {
          link(e, slot); // due in a later turn of the wheel
        }
        e = next;
      }
    }
    if (nowTick > doneTick) {
      doneTick = nowTick;
    }
    return handed;
  }

  private void link(Entry e, int slot) {
    Entry head = slots[slot];
    e.slot = slot;
    e.prev = null;
    e.next = head;
    if (head != null) {
      head.prev = e;
    }
    slots[slot] = e;
  }

  private void unlink(Entry e) {
    if (e.prev != null) {
      e.prev.next = e.next;
    } else {
      slots[e.slot] = e.next;
    }
    if (e.next != null) {
      e.next.prev = e.prev;
    }
    e.prev = null;
    e.next = null;
    e.slot = -1;
  }
}
