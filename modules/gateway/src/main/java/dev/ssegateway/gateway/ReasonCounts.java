package dev.ssegateway.gateway;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Counts split by a reason code from a small fixed vocabulary ({@code too_large}, {@code invalid_topic}, ...),
 * written from any thread without locks. Whoever exports the counts (metrics) is told once about each reason
 * the first time it is counted, so a reason is exported from its first occurrence on.
 */
public final class ReasonCounts {

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  /** Counts one occurrence of {@code reason}. */
  public void increment(String reason) {
    LongAdder n = counts.get(reason);
    if (n == null) {
      LongAdder fresh = new LongAdder();
      n = counts.putIfAbsent(reason, fresh);
      if (n == null) {
        n = fresh;
        listeners.forEach(l -> l.accept(reason));
      }
    }
    n.increment();
  }

  /** Occurrences of {@code reason} so far. */
  public long count(String reason) {
    LongAdder n = counts.get(reason);
    return n == null ? 0 : n.sum();
  }

  /** Every reason counted so far with its count, sorted by reason. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((reason, n) -> out.put(reason, n.sum()));
    return out;
  }

  /** Calls {@code listener} with every reason counted so far, and then with each new one when it first occurs. */
  public void forEachReason(Consumer<String> listener) {
    listeners.add(listener);
    counts.keySet().forEach(listener);
  }
}
