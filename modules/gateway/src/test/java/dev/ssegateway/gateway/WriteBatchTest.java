package dev.ssegateway.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loop turn's writes are flushed once, together, when the outermost batch ends, and never before. */
class WriteBatchTest {

  @Test
  void streamsWrittenInABatchAreFlushedInOrderOnlyWhenTheOutermostBatchEnds() {
    WriteBatch batch = new WriteBatch();
    List<String> flushed = new ArrayList<>();
    assertFalse(batch.open(), "outside a batch, writes flush at once");
    batch.begin();
    batch.flushLater(() -> flushed.add("s1"));
    batch.begin(); // a nested batch: a replay pump inside a drain, say
    batch.flushLater(() -> flushed.add("s2"));
    assertTrue(batch.open());
    batch.end();
    assertEquals(List.of(), flushed, "the inner end flushes nothing");
    assertTrue(batch.open());
    batch.end();
    assertEquals(List.of("s1", "s2"), flushed);
    assertFalse(batch.open());
    batch.begin();
    batch.end();
    assertEquals(List.of("s1", "s2"), flushed, "a flushed stream is not flushed again by the next batch");
  }

  @Test
  void aStreamAddedWhileFlushingIsFlushedInTheSameEnd() {
    WriteBatch batch = new WriteBatch();
    List<String> flushed = new ArrayList<>();
    batch.begin();
    batch.flushLater(() -> {
      flushed.add("s1");
      batch.flushLater(() -> flushed.add("s2"));
    });
    batch.end();
    assertEquals(List.of("s1", "s2"), flushed);
  }
}
