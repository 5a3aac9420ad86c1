package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bounds across a node's topic histories, case by case: what the byte budget evicts (the oldest events by
 * arrival, whatever their topic), which topic the topic bound drops (the least recently used, its eviction marks
 * kept for resumers), what a sweep applies, and that the totals are exactly what is retained.
 */
class HistoriesTest {

  private static final int MANY = Integer.MAX_VALUE;
  private static final long UNLIMITED = Long.MAX_VALUE;
  /** What one event of the rows holds: they all have the same size (one-letter topic, origin a, seq 1..9). */
  private static final long UNIT = event("t", 1, 0).retainedBytes();

  /** Origin a's event {@code seq} on {@code topic}, arrival number {@code seq}, received at {@code receivedAtMs}. */
  private static EncodedEvent event(String topic, long seq, long receivedAtMs) {
    return new EncodedEvent(topic, "a", seq, seq, Cursor.EMPTY.advance("a", seq), "message", "x", receivedAtMs, 0,
        Unpooled::wrappedBuffer);
  }

  /** Remembers {@code topic:seq} events (space separated) in order, received at {@code seq x 10} ms. */
  private static void remember(Histories h, String events, int maxEvents, int maxTopics, long maxBytes) {
    for (String e : events.split(" ")) {
      String[] p = e.split(":");
      long seq = Long.parseLong(p[1]);
      h.remember(event(p[0], seq, seq * 10), maxEvents, maxTopics, maxBytes);
    }
  }

  /** A case: the steps, then what is retained ({@code topic:seq}, by arrival) and the dropped topics' marks. */
  record Row(String name, Consumer<Histories> steps, String retained, Map<String, Long> droppedMarks) {
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("within every bound nothing is evicted",
            h -> remember(h, "t:1 u:2 t:3", MANY, MANY, UNLIMITED), "t:1 u:2 t:3", Map.of()),
        new Row("beyond the byte budget the oldest events go first, across topics",
            h -> remember(h, "t:1 u:2 t:3 u:4", MANY, MANY, 2 * UNIT), "t:3 u:4", Map.of()),
        new Row("the budget takes from the topic with the oldest events, not from the newest one",
            h -> remember(h, "t:1 t:2 t:3 u:4", MANY, MANY, 3 * UNIT), "t:2 t:3 u:4", Map.of()),
        new Row("the count bound is per topic",
            h -> remember(h, "t:1 t:2 u:3 t:4 u:5", 2, MANY, UNLIMITED), "t:2 u:3 t:4 u:5", Map.of()),
        new Row("beyond the topic bound the least recently published topic is dropped, its marks kept",
            h -> remember(h, "t:1 u:2 v:3", MANY, 2, UNLIMITED), "u:2 v:3", Map.of("a", 1L)),
        new Row("a resume from a topic makes it recently used: another is dropped",
            h -> {
              remember(h, "t:1 u:2", MANY, 2, UNLIMITED);
              h.get("t");
              remember(h, "v:3", MANY, 2, UNLIMITED);
            }, "t:1 v:3", Map.of("a", 2L)),
        new Row("a sweep evicts what is older than the age bound, in every topic",
            h -> {
              remember(h, "t:1 u:2 t:3 u:4", MANY, MANY, UNLIMITED);
              h.sweep(25, MANY, MANY, UNLIMITED);
            }, "t:3 u:4", Map.of()),
        new Row("a sweep applies a lowered byte budget, oldest first",
            h -> {
              remember(h, "t:1 u:2 t:3 u:4", MANY, MANY, UNLIMITED);
              h.sweep(0, MANY, MANY, UNIT);
            }, "u:4", Map.of()),
        new Row("a sweep applies lowered count and topic bounds",
            h -> {
              remember(h, "t:1 t:2 u:3 u:4 v:5", MANY, MANY, UNLIMITED);
              h.sweep(0, 1, 2, UNLIMITED);
            }, "u:4 v:5", Map.of("a", 2L)));
  }

  @TestFactory
  Stream<DynamicTest> eachBoundEvictsTheOldestAndTheTotalsAreWhatIsRetained() {
    return rows().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
      Histories h = new Histories();
      r.steps().accept(h);
      List<EncodedEvent> retained = new ArrayList<>();
      for (String topic : List.of("t", "u", "v")) {
        TopicHistory history = h.get(topic);
        if (history != null) {
          history.collectAfter(Cursor.EMPTY, retained);
        }
      }
      retained.sort(Comparator.comparingLong(e -> e.arrival));
      assertEquals(r.retained(), String.join(" ", retained.stream().map(e -> e.topic + ":" + e.seq).toList()));
      assertEquals(retained.size(), h.events(), "events");
      assertEquals(retained.size() * UNIT, h.bytes(), "bytes");
      assertEquals(r.droppedMarks(), h.droppedTopicMarks(), "marks of dropped topics");
    }));
  }
}
