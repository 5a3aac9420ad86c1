package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.vertx.core.buffer.Buffer;

/**
 * An event in its wire form, encoded once per node and written as the same bytes to every matching
 * connection and to the history. {@code cursor} is the node's stream position right after this event:
 * its SSE id.
 */
final class EncodedEvent {

  final String topic;
  final String origin;
  final long seq;
  final long arrival;
  final Cursor cursor;
  final Buffer frame;
  final int bodyOffset;
  final long receivedAtMs;
  final long publishedAtMs;

  EncodedEvent(String topic, String origin, long seq, long arrival, Cursor cursor, String type, String data,
               long receivedAtMs, long publishedAtMs) {
    this.topic = topic;
    this.origin = origin;
    this.seq = seq;
    this.arrival = arrival;
    this.cursor = cursor;
    Buffer id = SseEncoder.idLine(cursor.toString());
    this.bodyOffset = id.length();
    // one exact-size copy: the history keeps this buffer, so no slack capacity is retained with it
    this.frame = Buffer.buffer(id.appendBuffer(SseEncoder.body(type, data)).getBytes());
    this.receivedAtMs = receivedAtMs;
    this.publishedAtMs = publishedAtMs;
  }

  /** The frame with another id, for a connection whose position is ahead of this node's in some origin. */
  Buffer frameWithId(Cursor id) {
    return SseEncoder.idLine(id.toString()).appendBuffer(frame.slice(bodyOffset, frame.length()));
  }

  /** Approximate heap held by this event in the history. */
  int retainedBytes() {
    return frame.length() + 300;
  }
}
