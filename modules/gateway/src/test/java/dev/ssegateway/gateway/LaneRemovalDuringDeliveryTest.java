package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.testsupport.TestSettings;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A stream removed by its own write while an event is being delivered (a flush finds the client gone, the write
 * fails, and the response's exception handler removes the stream at once) does not cost the lane's other streams
 * that event.
 */
@ExtendWith(VertxExtension.class)
class LaneRemovalDuringDeliveryTest {

  /** A stream's socket: records the ids of the events written; {@code onWrite} runs inside each write. */
  private static class Socket implements StreamTarget {
    final List<Long> seqs = new ArrayList<>();
    Runnable onWrite = () -> { };

    @Override
    public void write(Buffer bytes) {
      // the stream's first frames (hello): not an event
    }

    @Override
    public void writeShared(ByteBuf chunk) {
      String frame = SharedChunk.payload(chunk).toString();
      seqs.add(Long.parseLong(frame.substring(frame.indexOf("data: ") + 6, frame.indexOf('\n', frame.indexOf("data: ")))));
      onWrite.run();
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }
  }

  private static EncodedEvent event(long seq) {
    return new EncodedEvent("t", "p", seq, seq, Cursor.EMPTY.advance("p", seq), "message", Long.toString(seq), 0, 0);
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aStreamRemovedByItsOwnWriteDoesNotCostTheOthersTheEvent(Vertx vertx, VertxTestContext ctx) {
    GatewaySettings settings = TestSettings.of();
    Context loop = vertx.getOrCreateContext();
    loop.runOnContext(v -> ctx.verify(() -> {
      Lane lane = new Lane(vertx, loop, new GatewayStats(), "n1", settings);
      List<Socket> sockets = new ArrayList<>();
      List<StreamConnection> streams = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Socket socket = new Socket();
        StreamConnection c = new StreamConnection(socket, Set.of("t"), "peer" + i);
        sockets.add(socket);
        streams.add(c);
        lane.start(c, new ResumePlan(Cursor.EMPTY, List.of(), null, null), settings);
      }
      // the second stream's client is gone: its write of event 2 removes it, as its exception handler does
      Consumer<Integer> goneOnEvent2 = i -> sockets.get(i).onWrite = () -> {
        if (sockets.get(i).seqs.contains(2L)) {
          lane.remove(streams.get(i));
        }
      };
      goneOnEvent2.accept(1);
      for (long seq = 1; seq <= 3; seq++) {
        lane.deliver(event(seq));
      }
      assertEquals(List.of(1L, 2L, 3L), sockets.get(0).seqs);
      assertEquals(List.of(1L, 2L), sockets.get(1).seqs, "a removed stream gets nothing more");
      assertEquals(List.of(1L, 2L, 3L), sockets.get(2).seqs, "the stream after the removed one gets every event");
      assertEquals(List.of(1L, 2L, 3L), sockets.get(3).seqs);
      ctx.completeNow();
    }));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aStreamRemovedByItsFirstWriteDoesNotStayInTheLane(Vertx vertx, VertxTestContext ctx) {
    GatewaySettings settings = TestSettings.of();
    Context loop = vertx.getOrCreateContext();
    loop.runOnContext(v -> ctx.verify(() -> {
      GatewayStats stats = new GatewayStats();
      Lane lane = new Lane(vertx, loop, stats, "n1", settings);
      StreamConnection[] gone = new StreamConnection[1];
      // the client is gone before its hello: the first write fails and its exception handler removes the stream
      StreamConnection c = new StreamConnection(new Socket() {
        @Override
        public void write(Buffer bytes) {
          lane.remove(gone[0]);
        }
      }, Set.of("t"), "peer");
      gone[0] = c;
      lane.start(c, new ResumePlan(Cursor.EMPTY, List.of(), null, null), settings);
      assertEquals(0, lane.size(), "a stream removed by its first write is not live");
      assertEquals(0, stats.heartbeatTimers.sum(), "and has no heartbeat scheduled");
      Socket other = new Socket();
      lane.start(new StreamConnection(other, Set.of("t"), "peer2"), new ResumePlan(Cursor.EMPTY, List.of(), null, null),
          settings);
      lane.deliver(event(1));
      assertEquals(List.of(1L), other.seqs);
      ctx.completeNow();
    }));
  }
}
