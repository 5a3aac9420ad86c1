package dev.ssegateway.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every topic's {@link TopicHistory} of one node and the bounds across them: at most {@code history.max_topics}
 * topics (the least recently used is dropped, its eviction marks kept), at most {@code history.max_bytes} together
 * (the oldest events across topics, by arrival, are evicted first), and the age and count bounds applied by a sweep.
 * Plain data: no Vert.x, no I/O, no clock of its own; the {@link FanOut} context is its only user and
 * {@link ResumePlan#plan} reads it. {@code HistoriesTest} checks the eviction order.
 */
final class Histories {

  /** One retained event: its topic's history and its arrival number (stale once the event was evicted). */
  private record Retained(TopicHistory history, long arrival) {
  }

  /** Access-ordered: a topic published to or resumed from is the most recently used. */
  private final LinkedHashMap<String, TopicHistory> byTopic = new LinkedHashMap<>(256, 0.75f, true);
  /** Every retained event in arrival order, for evicting the oldest across topics beyond the byte budget. */
  private final ArrayDeque<Retained> byArrival = new ArrayDeque<>();
  /** Per origin, the highest seq evicted with a dropped topic: a resumer of such a topic is told. */
  private final Map<String, Long> droppedTopicMarks = new HashMap<>();
  private long bytes;
  private long events;

  /** {@code topic}'s history, or null; counts as a use of the topic. */
  TopicHistory get(String topic) {
    return byTopic.get(topic);
  }

  /** The eviction marks of topics dropped beyond {@code history.max_topics}. */
  Map<String, Long> droppedTopicMarks() {
    return droppedTopicMarks;
  }

  /** Bytes held by all histories, heap and off-heap ({@link EncodedEvent#retainedBytes}). */
  long bytes() {
    return bytes;
  }

  /** Events held by all histories. */
  long events() {
    return events;
  }

  /**
   * Appends {@code e} to its topic's history (keeping at most {@code maxEvents} there), then drops the least recently
   * used topics beyond {@code maxTopics} and evicts the oldest events beyond {@code maxBytes}.
   */
  void remember(EncodedEvent e, int maxEvents, int maxTopics, long maxBytes) {
    TopicHistory history = byTopic.get(e.topic);
    if (history == null) {
      history = new TopicHistory(e.topic);
      byTopic.put(e.topic, history);
      dropLeastRecentTopics(maxTopics);
    }
    long bytesBefore = history.bytes();
    int sizeBefore = history.size();
    history.append(e, maxEvents);
    bytes += history.bytes() - bytesBefore;
    events += history.size() - sizeBefore;
    byArrival.addLast(new Retained(history, e.arrival));
    enforceByteBudget(maxBytes);
  }

  /**
   * Applies every bound again (after a settings change, and as time passes): the topic count, then in each history
   * the age ({@code minReceivedAtMs}) and the count, then the byte budget.
   */
  void sweep(long minReceivedAtMs, int maxEvents, int maxTopics, long maxBytes) {
    dropLeastRecentTopics(maxTopics);
    long total = 0;
    long retained = 0;
    for (TopicHistory h : byTopic.values()) {
      h.evictOlderThan(minReceivedAtMs);
      h.trimTo(maxEvents);
      total += h.bytes();
      retained += h.size();
    }
    bytes = total;
    events = retained;
    enforceByteBudget(maxBytes);
  }

  /**
   * Evicts the oldest retained events, across topics and by arrival, until every history together holds at most
   * {@code maxBytes}; a resumer from before an evicted event gets the usual {@code history_exceeded}.
   */
  private void enforceByteBudget(long maxBytes) {
    while (bytes > maxBytes && !byArrival.isEmpty()) {
      Retained oldest = byArrival.pollFirst();
      TopicHistory h = oldest.history();
      if (h.firstArrival() == oldest.arrival()) {
        long before = h.bytes();
        h.evictOldest();
        bytes -= before - h.bytes();
        events--;
      }
    }
    // entries of events evicted by count, age or topic are skipped above; drop them when they pile up
    if (byArrival.size() > 2 * events + 1024) {
      List<Retained> all = new ArrayList<>();
      for (TopicHistory h : byTopic.values()) {
        h.forEachArrival(a -> all.add(new Retained(h, a)));
      }
      all.sort(Comparator.comparingLong(Retained::arrival));
      byArrival.clear();
      byArrival.addAll(all);
    }
  }

  private void dropLeastRecentTopics(int maxTopics) {
    Iterator<Map.Entry<String, TopicHistory>> it = byTopic.entrySet().iterator();
    while (byTopic.size() > maxTopics && it.hasNext()) {
      TopicHistory dropped = it.next().getValue();
      bytes -= dropped.bytes();
      events -= dropped.size();
      dropped.trimTo(0);
      dropped.evictedMarks().forEach((o, s) -> droppedTopicMarks.merge(o, s, Math::max));
      it.remove();
    }
  }
}
