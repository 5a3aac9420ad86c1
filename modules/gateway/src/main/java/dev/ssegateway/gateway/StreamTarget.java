package dev.ssegateway.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Where a {@link StreamConnection} writes its frames: a client's chunked HTTP response, or the lane's
 * internal {@link ProbeSink}, which proves that the write path still runs without any socket.
 */
interface StreamTarget {

  void write(Buffer bytes);

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
