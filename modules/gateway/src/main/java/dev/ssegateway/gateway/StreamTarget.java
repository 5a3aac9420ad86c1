package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Where a {@link StreamConnection} writes its frames: a client's HTTP response (through Vert.x, or straight
 * to its channel: {@link ChannelStreamTarget}), or the lane's internal {@link ProbeSink}, which proves that
 * the write path still runs without any socket.
 */
interface StreamTarget {

  void write(Buffer bytes);

  /** Writes bytes shared by many streams, given framed as an HTTP chunk ({@link SharedChunk}). */
  default void writeShared(ByteBuf chunk) {
    write(SharedChunk.payload(chunk));
  }

  /** Whether the target owes more than its write queue allows (the stream is then cut as too slow). */
  boolean writeQueueFull();

  static StreamTarget of(HttpServerResponse response) {
    return new StreamTarget() {
      @Override
      public void write(Buffer bytes) {
        response.write(bytes);
      }

      @Override
      public boolean writeQueueFull() {
        return response.writeQueueFull();
      }
    };
  }
}
