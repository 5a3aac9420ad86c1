package dev.ssegateway.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.function.Consumer;

/**
 * A stream's writes through Vert.x until every one of them has left Vert.x's own queue, then straight to
 * the channel ({@link ChannelStreamTarget}). The hand-over point keeps the bytes in order: a direct write
 * issued while Vert.x still held an earlier write (the response head, say, on a connection whose socket was
 * full) would overtake it. Vert.x completes a write once Netty has taken it, in order, so when the latest
 * write through Vert.x completes, nothing of the stream is left in Vert.x's queue. Usually that is during
 * the stream's first write itself. At that point the stream is given {@code direct} to write to
 * ({@code handOver}), and this target is out of the way.
 */
final class HandoverTarget implements StreamTarget {

  private final HttpServerResponse response;
  private final ChannelStreamTarget direct;
  private final Consumer<StreamTarget> handOver;
  private long issued;

  HandoverTarget(HttpServerResponse response, ChannelStreamTarget direct, Consumer<StreamTarget> handOver) {
    this.response = response;
    this.direct = direct;
    this.handOver = handOver;
  }

  @Override
  public void write(Buffer bytes) {
    long n = ++issued;
    response.write(bytes).onSuccess(v -> {
      if (n == issued) {
        handOver.accept(direct);
      }
    });
  }

  @Override
  public void write(Buffer bytes, Runnable written) {
    long n = ++issued;
    response.write(bytes).onComplete(ar -> {
      if (ar.succeeded() && n == issued) {
        handOver.accept(direct);
      }
      written.run();
    });
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }
}
