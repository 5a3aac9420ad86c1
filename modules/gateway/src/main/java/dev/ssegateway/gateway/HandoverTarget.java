package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * A stream's writes through Vert.x until every one of them has left Vert.x's own queue, then straight to
 * the channel ({@link ChannelStreamTarget}). The hand-over point keeps the bytes in order: a direct write
 * issued while Vert.x still held an earlier write (the response head, say, on a connection whose socket was
 * full) would overtake it. Vert.x completes a write once Netty has taken it, in order, so when the latest
 * write through Vert.x completes, nothing of the stream is left in Vert.x's queue. Usually that is during
 * the stream's first write itself.
 */
final class HandoverTarget implements StreamTarget {

  private final HttpServerResponse response;
  private final ChannelStreamTarget direct;
  private long issued;
  private boolean handedOver;

  HandoverTarget(HttpServerResponse response, ChannelStreamTarget direct) {
    this.response = response;
    this.direct = direct;
  }

  @Override
  public void write(Buffer bytes) {
    if (handedOver) {
      direct.write(bytes);
      return;
    }
    long n = ++issued;
    response.write(bytes).onSuccess(v -> {
      if (n == issued) {
        handedOver = true;
      }
    });
  }

  @Override
  public void writeShared(ByteBuf chunk) {
    if (handedOver) {
      direct.writeShared(chunk);
    } else {
      write(SharedChunk.payload(chunk));
    }
  }

  @Override
  public boolean writeQueueFull() {
    return handedOver ? direct.writeQueueFull() : response.writeQueueFull();
  }

  /** Whether the stream's writes now go straight to the channel. */
  boolean handedOver() {
    return handedOver;
  }
}
