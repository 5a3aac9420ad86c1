package dev.ssegateway.bench;

import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per event, the latency of its first and of its last delivery among all the streams of one load generator. A
 * delivery's latency mixes two things: the path one event takes through the server (the first delivery) and the
 * time it takes the server and the receiver to get through every stream (the last one; the median delivery sits
 * halfway). At light load the second dominates (writing 1,000 sockets and reading them back takes milliseconds on
 * two shared cores), so only these two figures tell a slower hop from a slower loop over the streams.
 *
 * <p>Each event-loop thread records into its own ring of the last {@value #SLOTS} seqs (no contention); the rings
 * are read once the deliveries have drained ({@link #histograms}).
 */
final class EventSpread {

  private static final int SLOTS = 1 << 16;
  private static final int MASK = SLOTS - 1;

  /** One thread's ring: per slot, the seq it holds and that seq's lowest and highest latency (micros). */
  private static final class Ring {
    final AtomicLongArray seq = new AtomicLongArray(SLOTS);
    final AtomicLongArray first = new AtomicLongArray(SLOTS);
    final AtomicLongArray last = new AtomicLongArray(SLOTS);

    void record(long s, long micros) {
      int i = (int) (s & MASK);
      if (seq.getPlain(i) != s) {
        first.setRelease(i, micros);
        last.setRelease(i, micros);
        seq.setRelease(i, s);
      } else {
        if (micros < first.getPlain(i)) {
          first.setRelease(i, micros);
        }
        if (micros > last.getPlain(i)) {
          last.setRelease(i, micros);
        }
      }
    }
  }

  private final List<Ring> rings = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Ring> mine = ThreadLocal.withInitial(() -> {
    Ring r = new Ring();
    rings.add(r);
    return r;
  });

  /** A delivery of {@code seq} with latency {@code micros}, on the calling thread. */
  void record(long seq, long micros) {
    if (seq > 0) {
      mine.get().record(seq, micros);
    }
  }

  /**
   * The first- and last-delivery latencies (micros) of each seq in {@code from..to} that was delivered here (at most
   * the last {@value #SLOTS} seqs): {@code [first, last]}.
   */
  Histogram[] histograms(long from, long to) {
    Histogram first = new Histogram(3);
    Histogram last = new Histogram(3);
    for (long s = Math.max(from, Math.max(1, to - SLOTS + 1)); s <= to; s++) {
      int i = (int) (s & MASK);
      long lo = Long.MAX_VALUE;
      long hi = Long.MIN_VALUE;
      for (Ring r : rings) {
        if (r.seq.getAcquire(i) == s) {
          lo = Math.min(lo, r.first.getAcquire(i));
          hi = Math.max(hi, r.last.getAcquire(i));
        }
      }
      if (lo != Long.MAX_VALUE) {
        first.recordValue(lo);
        last.recordValue(hi);
      }
    }
    return new Histogram[] {first, last};
  }
}
