package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paced replay of one stream, against a target whose socket takes a piece only when the test says so: never
 * more than about the budget in flight, live events strictly behind the replay, and a stream cut once what it
 * owes (replay in flight plus queued live events) exceeds the budget.
 */
class PacedReplayTest {

  private static final int FRAME_DATA = 1000;

  /** Records what was written, and holds each piece's completion until {@link #take} runs it. */
  private static final class SlowSocket implements StreamTarget {
    final List<String> written = new ArrayList<>();
    final List<Runnable> pending = new ArrayList<>();

    @Override
    public void write(Buffer bytes) {
      written.add(bytes.toString());
    }

    @Override
    public void write(Buffer bytes, Runnable done) {
      write(bytes);
      pending.add(done);
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    void take() {
      List<Runnable> now = new ArrayList<>(pending);
      pending.clear();
      now.forEach(Runnable::run);
    }

    /** The seq of every event frame written, in order (a write may hold several frames). */
    List<Integer> seqs() {
      List<Integer> out = new ArrayList<>();
      for (String write : written) {
        for (int at = write.indexOf("data: "); at >= 0; at = write.indexOf("data: ", at + 1)) {
          out.add(Integer.parseInt(write.substring(at + 6, write.indexOf('-', at))));
        }
      }
      return out;
    }

    int frames() {
      return seqs().size();
    }
  }

  private static EncodedEvent event(long seq) {
    Cursor c = Cursor.EMPTY.advance("p", seq);
    return new EncodedEvent("t", "p", seq, seq, c, "message", seq + "-" + "z".repeat(FRAME_DATA), 0, 0);
  }

  private static List<EncodedEvent> events(int from, int to) {
    List<EncodedEvent> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(event(i));
    }
    return out;
  }

  /** Pumps as the lane does: a piece taken by the socket is reported and pumps again. */
  private static void pump(StreamConnection c) {
    c.pump(bytes -> {
      c.pieceWritten(bytes, System.currentTimeMillis());
      pump(c);
    });
  }

  @Test
  void replayGoesOutInPiecesWithinTheBudgetThenTheLiveEventsInOrder() {
    int budget = 8192;
    SlowSocket socket = new SlowSocket();
    StreamConnection c = new StreamConnection(socket, Set.of("t"), "test");
    c.startReplay(events(1, 100), budget, 0);
    pump(c);
    int firstRound = socket.frames();
    assertTrue(firstRound > 0 && (long) firstRound * FRAME_DATA < budget, "first round wrote " + firstRound);
    assertTrue(c.send(event(101)), "a live event within the budget is queued");
    assertTrue(c.send(event(102)));
    for (int round = 0; round < 200 && !socket.pending.isEmpty(); round++) {
      int before = socket.frames();
      socket.take();
      assertTrue((long) (socket.frames() - before) * FRAME_DATA < budget, "one round stays within the budget");
    }
    assertEquals(events(1, 102).stream().map(e -> (int) e.seq).toList(), socket.seqs());
    socket.take();
    assertTrue(c.send(event(103)), "after the replay, live events are written at once");
    assertEquals(103, socket.frames());
  }

  @Test
  void aStreamThatOwesMoreThanItsBudgetDuringItsReplayIsCut() {
    int budget = 8192;
    SlowSocket socket = new SlowSocket();
    StreamConnection c = new StreamConnection(socket, Set.of("t"), "test");
    c.startReplay(events(1, 100), budget, 0);
    pump(c);
    boolean kept = true;
    int live = 0;
    while (kept && live < 20) {
      kept = c.send(event(101 + live++));
    }
    assertFalse(kept, "the stream owes more than its budget after " + live + " live events");
    assertTrue((long) live * FRAME_DATA <= budget, "cut within the budget: " + live + " live events");
    assertTrue(c.replayStalledSince(1), "no piece was taken since the replay started");
  }
}
