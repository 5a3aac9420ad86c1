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

  /**
   * Writes {@code bytes} and runs {@code written} on the stream's event loop once they (and every earlier write)
   * have left the process, or the write failed: how a paced replay knows when to write its next piece.
   */
  default void write(Buffer bytes, Runnable written) {
    write(bytes);
    written.run();
  }

  /** {@link #writeShared(ByteBuf)}, then {@code written} as in {@link #write(Buffer, Runnable)}. */
  default void writeShared(ByteBuf chunk, Runnable written) {
    write(SharedChunk.payload(chunk), written);
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
      public void write(Buffer bytes, Runnable written) {
        response.write(bytes).onComplete(ar -> written.run());
      }

      @Override
      public boolean writeQueueFull() {
        return response.writeQueueFull();
      }
    };
  }
}
