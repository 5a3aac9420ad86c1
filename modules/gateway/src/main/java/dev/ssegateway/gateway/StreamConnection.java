package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;

import java.util.Set;

/**
 * One open SSE stream: its response, its topics, its heartbeat state and, after a resume on a node
 * that lags behind the client, the client's own position (events at or below it are skipped and ids
 * never go backwards). Lives on its {@link Lane}'s event loop only.
 */
final class StreamConnection {

  /** The client's response; null for the lane's internal probe stream. */
  final HttpServerResponse response;
  /** The client's HTTP/1.1 connection, whose channel the lane may write to directly; else null. */
  final HttpConnection http11;
  private StreamTarget target;
  final Set<String> topics;
  final String peer;
  final long connectedAtMs;
  long lastHeartbeatMs;
  long timerId = -1;
  boolean live;
  boolean closed;
  private Cursor clientAhead;

  StreamConnection(HttpServerResponse response, HttpConnection http11, Set<String> topics, String peer,
                   long connectedAtMs) {
    this(response, http11, StreamTarget.of(response), topics, peer, connectedAtMs);
  }

  /** A stream that writes to {@code target} instead of an HTTP response: the lane's health probe. */
  StreamConnection(StreamTarget target, Set<String> topics, String peer, long connectedAtMs) {
    this(null, null, target, topics, peer, connectedAtMs);
  }

  private StreamConnection(HttpServerResponse response, HttpConnection http11, StreamTarget target,
                           Set<String> topics, String peer, long connectedAtMs) {
    this.response = response;
    this.http11 = http11;
    this.target = target;
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
    if (closed) {
      return true;
    }
    if (clientAhead == null) {
      target.writeShared(e.chunk);
    } else {
      Buffer bytes = frameFor(e);
      if (bytes == null) {
        return true;
      }
      target.write(bytes);
    }
    return !target.writeQueueFull();
  }

  /** Writes bytes shared by many streams (see {@link StreamTarget#writeShared}). */
  boolean writeShared(ByteBuf chunk) {
    if (closed) {
      return true;
    }
    target.writeShared(chunk);
    return !target.writeQueueFull();
  }

  /** From now on the stream's writes go to {@code direct}, once its writes so far have left Vert.x. */
  void writeDirectly(ChannelStreamTarget direct) {
    this.target = new HandoverTarget(response, direct, next -> this.target = next);
  }

  /** Whether the stream's writes go straight to its channel (see {@link HandoverTarget}). */
  boolean writesDirectly() {
    return target instanceof ChannelStreamTarget;
  }

  /**
   * The bytes of {@code e} for this stream: the shared frame, or the frame with a merged id when the client
   * is ahead of this node in some origin, or null when the client already has the event.
   */
  Buffer frameFor(EncodedEvent e) {
    Cursor ahead = clientAhead;
    if (ahead == null) {
      return e.frame();
    }
    if (e.seq <= ahead.position(e.origin)) {
      return null;
    }
    if (e.cursor.covers(ahead)) {
      clientAhead = null;
      return e.frame();
    }
    return e.frameWithId(e.cursor.merge(ahead));
  }

  boolean write(Buffer bytes) {
    if (closed) {
      return true;
    }
    target.write(bytes);
    return !target.writeQueueFull();
  }
}
