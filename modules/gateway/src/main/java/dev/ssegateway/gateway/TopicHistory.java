package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The retained recent events of one topic, bounded by count and age (and, across topics, by the
 * {@link FanOut}'s byte budget), and what it has forgotten:
 * for each origin, the highest seq evicted. A client behind that mark cannot be resumed exactly and is
 * told so. Touched only by the {@link FanOut} context.
 */
final class TopicHistory {

  final String topic;
  private final ArrayDeque<EncodedEvent> events = new ArrayDeque<>();
  private final Map<String, Long> evictedUpTo = new HashMap<>();
  private long bytes;

  TopicHistory(String topic) {
    this.topic = topic;
  }

  void append(EncodedEvent e, int maxEvents) {
    events.addLast(e);
    bytes += e.retainedBytes();
    trimTo(maxEvents);
  }

  /** Drops the oldest events beyond {@code maxEvents}. */
  void trimTo(int maxEvents) {
    while (events.size() > maxEvents) {
      evictFirst();
    }
  }

  /** Drops events received before {@code minReceivedAtMs}; returns how many. */
  int evictOlderThan(long minReceivedAtMs) {
    int n = 0;
    while (!events.isEmpty() && events.peekFirst().receivedAtMs < minReceivedAtMs) {
      evictFirst();
      n++;
    }
    return n;
  }

  private void evictFirst() {
    EncodedEvent e = events.pollFirst();
    bytes -= e.retainedBytes();
    evictedUpTo.merge(e.origin, e.seq, Math::max);
  }

  /** The arrival number of the oldest retained event, or -1 when empty. */
  long firstArrival() {
    EncodedEvent e = events.peekFirst();
    return e == null ? -1 : e.arrival;
  }

  /** Drops the oldest retained event (the history must not be empty). */
  void evictOldest() {
    evictFirst();
  }

  /** The arrival numbers of the retained events, oldest first. */
  void forEachArrival(java.util.function.LongConsumer action) {
    for (EncodedEvent e : events) {
      action.accept(e.arrival);
    }
  }

  /** Highest evicted seq of {@code origin}, or -1. */
  long evictedUpTo(String origin) {
    return evictedUpTo.getOrDefault(origin, -1L);
  }

  Map<String, Long> evictedMarks() {
    return evictedUpTo;
  }

  /** Adds every retained event that {@code from} has not covered. */
  void collectAfter(Cursor from, List<EncodedEvent> out) {
    for (Iterator<EncodedEvent> it = events.iterator(); it.hasNext(); ) {
      EncodedEvent e = it.next();
      if (e.seq > from.position(e.origin)) {
        out.add(e);
      }
    }
  }

  boolean isEmpty() {
    return events.isEmpty();
  }

  int size() {
    return events.size();
  }

  long bytes() {
    return bytes;
  }
}
