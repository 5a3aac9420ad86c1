package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;

import java.util.function.Function;

/**
 * An event in its wire form, encoded once per node and written as the same bytes to every matching
 * connection and to the history. {@code cursor} is the node's stream position right after this event:
 * its SSE id. The bytes live once, off-heap, already framed as an HTTP chunk ({@link SharedChunk}):
 * {@link #frame()} is a view of the SSE frame inside {@code chunk}.
 */
final class EncodedEvent {

  final String topic;
  final String origin;
  final long seq;
  final long arrival;
  final Cursor cursor;
  final ByteBuf chunk;
  final int frameLength;
  final int bodyOffset;
  final long receivedAtMs;
  final long publishedAtMs;
  /**
   * A notice for every live stream of the node (a live {@code reset}), not an event of a topic: framed without an
   * id line (a client's position does not move), never retained, written as is to streams whose ids differ.
   */
  final boolean notice;
  private final int retained;

  EncodedEvent(String topic, String origin, long seq, long arrival, Cursor cursor, String type, String data,
               long receivedAtMs, long publishedAtMs) {
    this(topic, origin, seq, arrival, cursor, type, data, receivedAtMs, publishedAtMs, SharedChunk::of);
  }

  /** {@code chunks} frames the bytes off-heap ({@link SharedChunk#of}); it may fail, as any allocation may. */
  EncodedEvent(String topic, String origin, long seq, long arrival, Cursor cursor, String type, String data,
               long receivedAtMs, long publishedAtMs, Function<byte[], ByteBuf> chunks) {
    this(topic, origin, seq, arrival, cursor, type, data, receivedAtMs, publishedAtMs, chunks, false);
  }

  private EncodedEvent(String topic, String origin, long seq, long arrival, Cursor cursor, String type, String data,
                       long receivedAtMs, long publishedAtMs, Function<byte[], ByteBuf> chunks, boolean notice) {
    this.topic = topic;
    this.origin = origin;
    this.seq = seq;
    this.arrival = arrival;
    this.cursor = cursor;
    this.notice = notice;
    Buffer id = notice ? Buffer.buffer() : SseEncoder.idLine(cursor.toString());
    this.bodyOffset = id.length();
    // one exact-size copy: the history keeps this memory, so no slack capacity is retained with it
    byte[] frame = id.appendBuffer(SseEncoder.body(type, data)).getBytes();
    this.chunk = chunks.apply(frame);
    this.frameLength = frame.length;
    this.receivedAtMs = receivedAtMs;
    this.publishedAtMs = publishedAtMs;
    this.retained = chunk.capacity() + 480 + 64 * Math.max(0, cursor.positions().size() - 1);
  }

  /**
   * A {@link #notice} for every live stream, at the node's position {@code cursor} (it has no topic, origin or seq
   * of its own).
   */
  static EncodedEvent notice(Cursor cursor, long arrival, String type, String data, long receivedAtMs) {
    return new EncodedEvent(null, null, 0, arrival, cursor, type, data, receivedAtMs, 0, SharedChunk::of, true);
  }

  /** The SSE frame (id line and body), a view of {@link #chunk}'s memory. */
  Buffer frame() {
    return SharedChunk.payload(chunk);
  }

  /** The frame with another id, for a connection whose position is ahead of this node's in some origin. */
  Buffer frameWithId(Cursor id) {
    return SseEncoder.idLine(id.toString()).appendBuffer(frame().slice(bodyOffset, frameLength));
  }

  /**
   * Approximate memory held by this event in the history, heap and off-heap: the off-heap chunk, about 480 bytes
   * of objects (measured by HistoryMemoryTest, the fan-out's arrival-order entry included) and, per further origin
   * in its cursor, one more cursor entry.
   */
  int retainedBytes() {
    return retained;
  }
}
