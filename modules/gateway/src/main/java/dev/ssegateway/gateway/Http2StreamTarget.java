package dev.ssegateway.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * An HTTP/2 stream's writes, through its response (public Vert.x API), judged slow by what the stream itself owes.
 *
 * <p>On HTTP/2, Vert.x ignores {@code setWriteQueueMaxSize} and reports a stream's queue full as soon as it holds
 * more than the client's flow-control window for that stream lets out (64 KiB unless the client says otherwise): a
 * burst would read as a slow consumer. So this target counts, per stream, the bytes written and not yet taken by
 * the socket (a write's future completes once its frame left, or failed), plus {@value #WRITE_OVERHEAD} bytes per
 * pending write for what Vert.x and Netty hold to queue it. The stream is slow when that exceeds
 * {@code limits.write_queue_bytes}, the same rule as an HTTP/1.1 client; a stream whose window stays exhausted owes
 * more at every event and is cut, and is alone in that: the other streams of its connection have windows of their
 * own. What a connection's stuck streams hold is so bounded by their number times the limit, as for HTTP/1.1
 * clients (the bytes of shared frames are not even copied). Lives on the stream's event loop.
 */
final class Http2StreamTarget implements StreamTarget {

  /** What one pending write costs besides its bytes: the queue entries, promise and listener of the write. */
  static final int WRITE_OVERHEAD = 96;

  private final HttpServerResponse response;
  private final long maxOwed;
  private long owed;

  Http2StreamTarget(HttpServerResponse response, long maxOwed) {
    this.response = response;
    this.maxOwed = maxOwed;
  }

  @Override
  public void write(Buffer bytes) {
    write(bytes, null);
  }

  @Override
  public void write(Buffer bytes, Runnable written) {
    long cost = bytes.length() + (long) WRITE_OVERHEAD;
    owed += cost;
    response.write(bytes).onComplete(ar -> {
      owed -= cost;
      if (written != null) {
        written.run();
      }
    });
  }

  /** Bytes written and not yet taken by the socket, with the overhead of each pending write. */
  long owed() {
    return owed;
  }

  @Override
  public boolean writeQueueFull() {
    return owed > maxOwed && !response.closed(); // a closed stream is not slow: its close handler ends it
  }
}
