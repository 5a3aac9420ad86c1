package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * One open SSE stream: its response, its topics, its heartbeat state and, after a resume on a node
 * that lags behind the client, the client's own position (events at or below it are skipped and ids
 * never go backwards). Lives on its {@link Lane}'s event loop only.
 */
final class StreamConnection extends HeartbeatSchedule.Entry {

  /** The client's response; null for the lane's internal probe stream. */
  final HttpServerResponse response;
  /** The client's HTTP/1.1 connection, whose channel the lane may write to directly; else null. */
  final HttpConnection http11;
  private StreamTarget target;
  final Set<String> topics;
  final String peer;
  long lastHeartbeatMs;
  /** When the stream's JWT expires (epoch ms); 0 = never ({@link TokenExpiry}). */
  long expiresAtMs;
  boolean live;
  boolean closed;
  private Cursor clientAhead;
  /** A paced replay in progress, or null: most streams never have one, so its state is not a stream's field. */
  private Replay replay;

  /**
   * A paced replay: the retained events still to write from {@link #next}, then the live events that arrived
   * meanwhile ({@link #owedLive}), written in pieces so that at most about {@link #budget} bytes are ever queued
   * for this stream.
   */
  private static final class Replay {
    final List<EncodedEvent> events;
    final int budget;
    int next;
    final ArrayDeque<EncodedEvent> owedLive = new ArrayDeque<>();
    long owedLiveBytes;
    /** Bytes of the paced replay written and not yet taken by the socket. */
    long inFlight;
    /** When the paced replay last had a piece taken by the socket (or started). */
    long progressMs;

    Replay(List<EncodedEvent> events, int budget, long nowMs) {
      this.events = events;
      this.budget = budget;
      this.progressMs = nowMs;
    }

    boolean nothingOwed() {
      return next >= events.size() && owedLive.isEmpty();
    }

    EncodedEvent nextOwed() {
      if (next < events.size()) {
        return events.get(next++);
      }
      EncodedEvent e = owedLive.pollFirst();
      if (e != null) {
        owedLiveBytes -= e.frameLength;
      }
      return e;
    }
  }

  StreamConnection(HttpServerResponse response, HttpConnection http11, Set<String> topics, String peer) {
    this(response, http11, StreamTarget.of(response), topics, peer);
  }

  /** A stream that writes to {@code target} instead of an HTTP response: the lane's health probe. */
  StreamConnection(StreamTarget target, Set<String> topics, String peer) {
    this(null, null, target, topics, peer);
  }

  /** A client's stream that writes to {@code target} (an HTTP/2 stream: {@link Http2StreamTarget}). */
  StreamConnection(HttpServerResponse response, HttpConnection http11, StreamTarget target,
                   Set<String> topics, String peer) {
    this.response = response;
    this.http11 = http11;
    this.target = target;
    this.topics = topics;
    this.peer = peer;
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
    Replay r = replay;
    if (r != null) {
      // behind the replay, in order; what the stream owes in all stays within its budget
      r.owedLive.addLast(e);
      r.owedLiveBytes += e.frameLength;
      return r.inFlight + r.owedLiveBytes <= r.budget;
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

  /** Starts a paced replay of {@code events} for a stream that may owe at most {@code budget} bytes. */
  void startReplay(List<EncodedEvent> events, int budget, long nowMs) {
    this.replay = new Replay(events, budget, nowMs);
  }

  /** Whether a paced replay has had nothing taken by the socket since {@code sinceMs}. */
  boolean replayStalledSince(long sinceMs) {
    Replay r = replay;
    return r != null && r.progressMs < sinceMs;
  }

  /** A piece of {@code bytes} written by {@link #pump} was taken by the socket. */
  void pieceWritten(long bytes, long nowMs) {
    Replay r = replay;
    if (r != null) { // after the last piece was written the stream is plainly live: nothing is counted any more
      r.inFlight -= bytes;
      r.progressMs = nowMs;
    }
  }

  /**
   * Writes the next pieces of the paced replay (each about a quarter of the budget) while less than half the
   * budget is in flight; {@code pieceWritten} gets each piece's size once the socket has taken it, and the caller
   * then reports it ({@link #pieceWritten}) and pumps again. When nothing is owed any more, the stream is plainly
   * live again: later events are written at once, behind the pieces still in flight.
   */
  void pump(LongConsumer pieceWritten) {
    Replay r = replay;
    if (r == null) {
      return;
    }
    int half = Math.max(1, r.budget / 2);
    int piece = Math.max(1, r.budget / 4);
    while (replay != null && !closed && r.inFlight < half) {
      // Straight to the channel each shared frame is its own write, with no copy, flushed with the batch;
      // through Vert.x (before the hand-over, HTTP/2) every write is flushed, so a piece is one copied write.
      boolean direct = target instanceof ChannelStreamTarget;
      Buffer copy = direct ? null : Buffer.buffer(Math.min(piece, 64 * 1024));
      long bytes = 0;
      Object last = null;
      while (bytes < piece) {
        EncodedEvent e = r.nextOwed();
        if (e == null) {
          break;
        }
        Object frame;
        if (clientAhead == null) {
          frame = e.chunk;
        } else {
          frame = frameFor(e);
          if (frame == null) {
            continue;
          }
        }
        if (copy != null) {
          copy.appendBuffer(frame instanceof ByteBuf chunk ? SharedChunk.payload(chunk) : (Buffer) frame);
        } else if (last != null) {
          writeFrame(last, null);
        }
        last = frame;
        bytes += e.frameLength;
      }
      if (r.nothingOwed()) {
        replay = null;
      }
      if (last == null) {
        return;
      }
      long n = bytes;
      r.inFlight += n;
      writeFrame(copy != null ? copy : last, () -> pieceWritten.accept(n));
    }
  }

  private void writeFrame(Object frame, Runnable written) {
    if (frame instanceof ByteBuf chunk) {
      if (written == null) {
        target.writeShared(chunk);
      } else {
        target.writeShared(chunk, written);
      }
    } else if (written == null) {
      target.write((Buffer) frame);
    } else {
      target.write((Buffer) frame, written);
    }
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
    if (ahead == null || e.notice) {
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
