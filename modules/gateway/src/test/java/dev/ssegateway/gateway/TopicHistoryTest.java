package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One topic's history, case by case: which events each bound evicts (always the oldest first), the bytes it
 * accounts for (exactly the sum of what it retains), and the eviction marks that tell a resumer it missed events.
 */
class TopicHistoryTest {

  /** Event {@code i} (1-based) of origin {@code a}, received at {@code i} ms, {@code size} data bytes. */
  private static EncodedEvent event(long i, int size) {
    return new EncodedEvent("t", "a", i, i, Cursor.EMPTY.advance("a", i), "message", "x".repeat(size), i, 0,
        Unpooled::wrappedBuffer);
  }

  /** A case: how events are appended and bounded, then the seqs retained and the eviction mark of {@code a}. */
  record Row(String name, Consumer<TopicHistory> steps, List<Long> retained, long evictedUpTo) {
  }

  private static void append(TopicHistory h, int from, int to, int maxEvents) {
    for (int i = from; i <= to; i++) {
      h.append(event(i, 10 * i), maxEvents);
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("within its bounds it keeps every event and evicts nothing", h -> append(h, 1, 3, 10),
            List.of(1L, 2L, 3L), -1),
        new Row("beyond max events the oldest go first", h -> append(h, 1, 5, 3), List.of(3L, 4L, 5L), 2),
        new Row("a lowered max events trims the oldest", h -> {
          append(h, 1, 5, 10);
          h.trimTo(2);
        }, List.of(4L, 5L), 3),
        new Row("the age bound evicts what was received before it, oldest first", h -> {
          append(h, 1, 5, 10);
          assertEquals(3, h.evictOlderThan(4));
        }, List.of(4L, 5L), 3),
        new Row("the byte budget's eviction takes the oldest, one at a time", h -> {
          append(h, 1, 4, 10);
          h.evictOldest();
          h.evictOldest();
        }, List.of(3L, 4L), 2),
        new Row("trimmed to nothing, the mark is the last event", h -> {
          append(h, 1, 3, 10);
          h.trimTo(0);
        }, List.of(), 3));
  }

  @TestFactory
  Stream<DynamicTest> evictionIsOldestFirstAndTheBytesAreExactlyWhatIsRetained() {
    return rows().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
      TopicHistory h = new TopicHistory("t");
      r.steps().accept(h);
      List<EncodedEvent> all = new ArrayList<>();
      h.collectAfter(Cursor.EMPTY, all);
      assertEquals(r.retained(), all.stream().map(e -> e.seq).toList(), "retained, oldest first");
      assertEquals(all.stream().mapToLong(EncodedEvent::retainedBytes).sum(), h.bytes(), "bytes");
      assertEquals(r.evictedUpTo(), h.evictedUpTo("a"), "eviction mark");
      assertEquals(all.isEmpty() ? -1 : all.get(0).arrival, h.firstArrival(), "first arrival");
      assertEquals(r.evictedUpTo() < 0 ? Map.of() : Map.of("a", r.evictedUpTo()), h.evictedMarks());
    }));
  }

  @TestFactory
  Stream<DynamicTest> collectAfterAddsExactlyWhatTheCursorHasNotCovered() {
    TopicHistory h = new TopicHistory("t");
    append(h, 1, 4, 10);
    h.append(new EncodedEvent("t", "b", 7, 5, Cursor.EMPTY.advance("a", 4).advance("b", 7), "message", "y", 5, 0,
        Unpooled::wrappedBuffer), 10);
    return Stream.of(
        new Object[] {"-", List.of("a.1", "a.2", "a.3", "a.4", "b.7")},
        new Object[] {"a.2", List.of("a.3", "a.4", "b.7")},
        new Object[] {"a.4,b.6", List.of("b.7")},
        new Object[] {"a.4,b.7", List.of()},
        new Object[] {"a.9,b.9", List.of()}
    ).map(c -> DynamicTest.dynamicTest("after " + c[0], () -> {
      List<EncodedEvent> out = new ArrayList<>();
      h.collectAfter(Cursor.parse((String) c[0]), out);
      assertEquals(c[1], out.stream().map(e -> Cursor.eventId(e.origin, e.seq)).toList());
    }));
  }
}
