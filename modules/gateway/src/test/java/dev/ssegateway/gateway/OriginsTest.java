package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Per-origin bookkeeping, case by case: which seqs are duplicates, from which seq the node has seen every event
 * (what a resume from before it is told), and which silent origins are pruned from the position.
 */
class OriginsTest {

  /** Seqs taken in order ({@code seq} or {@code seq^startsAbove} for a restarted origin's first event). */
  record Row(String name, String taken, long last, long coveredFrom, List<Long> duplicates, List<Long> fresh) {
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("the first event starts the coverage", "5 6 7", 7, 5, List.of(5L, 7L, 1L), List.of(8L, 100L)),
        new Row("a gap restarts the coverage at the event after it", "1 2 6 7", 7, 6, List.of(2L, 6L), List.of(8L)),
        new Row("a restart above the high-water mark keeps the coverage", "1 2 9^2 10", 10, 1, List.of(9L),
            List.of(11L)),
        new Row("a restart above a mark the node had not reached is a loss: it missed the old run's last events",
            "1 2 3 9^5", 9, 9, List.of(3L), List.of(10L)),
        new Row("nothing taken: nothing is a duplicate", "", 0, 0, List.of(), List.of(0L, 1L)));
  }

  @TestFactory
  Stream<DynamicTest> coverageAndDuplicatesFollowTheSeqsTaken() {
    return rows().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
      Origins origins = new Origins();
      for (String t : r.taken().isEmpty() ? new String[0] : r.taken().split(" ")) {
        String[] p = t.split("\\^");
        long seq = Long.parseLong(p[0]);
        origins.took("a", seq, p.length > 1 ? Long.parseLong(p[1]) : -1, 1000);
      }
      assertEquals(r.last(), origins.last("a"), "last");
      assertEquals(r.coveredFrom(), origins.get("a") == null ? 0 : origins.get("a").coveredFrom, "covered from");
      r.duplicates().forEach(seq -> assertEquals(true, origins.isDuplicate("a", seq), "duplicate " + seq));
      r.fresh().forEach(seq -> assertEquals(false, origins.isDuplicate("a", seq), "fresh " + seq));
    }));
  }

  @Test
  void onlySilentOriginsArePrunedFromThePositionAndTheirSeqsStillDedup() {
    Origins origins = new Origins();
    origins.took("quiet", 4, -1, 1000);
    origins.took("live", 7, -1, 5000);
    Cursor position = Cursor.parse("live.7,quiet.4");
    List<String> pruned = new ArrayList<>();
    Cursor next = origins.prune(2000, position, s -> pruned.add(s.name));
    assertEquals("live.7", next.toString());
    assertEquals(List.of("quiet"), pruned);
    assertEquals(next, origins.get("quiet").prunedAt, "where it was pruned");
    assertNull(origins.get("live").prunedAt);
    assertEquals(true, origins.isDuplicate("quiet", 4), "a pruned origin's seqs still dedup");
    assertEquals(next, origins.prune(2000, next, s -> pruned.add(s.name)), "pruned once");
    assertEquals(List.of("quiet"), pruned);
  }
}
