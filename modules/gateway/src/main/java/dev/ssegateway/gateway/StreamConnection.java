package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.Set;

/**
 * One open SSE stream: its response, its topics, its heartbeat state and, after a resume on a node
 * that lags behind the client, the client's own position (events at or below it are skipped and ids
 * never go backwards). Lives on its {@link Lane}'s event loop only.
 */
final class StreamConnection {

  final HttpServerResponse response;
  final Set<String> topics;
  final String peer;
  final long connectedAtMs;
  long lastHeartbeatMs;
  long timerId = -1;
  boolean live;
  boolean closed;
  private Cursor clientAhead;

  StreamConnection(HttpServerResponse response, Set<String> topics, String peer, long connectedAtMs) {
    this.response = response;
    this.topics = topics;
    this.peer = peer;
    this.connectedAtMs = connectedAtMs;
  }

  void clientAhead(Cursor cursor) {
    this.clientAhead = cursor;
  }

  /**
   * Writes an event; returns false when the client has fallen too far behind (the caller cuts it).
   */
  boolean send(EncodedEvent e) {
    Cursor ahead = clientAhead;
    if (ahead == null) {
      return write(e.frame);
    }
    if (e.seq <= ahead.position(e.origin)) {
      return true;
    }
    if (e.cursor.covers(ahead)) {
      clientAhead = null;
      return write(e.frame);
    }
    return write(e.frameWithId(e.cursor.merge(ahead)));
  }

  boolean write(Buffer bytes) {
    if (closed) {
      return true;
    }
    response.write(bytes);
    return !response.writeQueueFull();
  }
}
