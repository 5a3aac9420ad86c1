package dev.ssegateway.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * One SSE stream held by the {@link LoadGenerator}: a raw socket, a byte-level parser of the HTTP/1.1
 * response (status, chunked body) and of the SSE frames in it, and what this stream received. Data
 * events carry {@code s=<seq> t=<publish epoch micros>}; the probe counts each seq once (a 64-seq window
 * tells a duplicate from a late arrival), records publish-to-receive latency and heartbeat intervals, and
 * keeps the last {@code id:} for resume. Lives on one event loop.
 */
final class StreamProbe {

  private enum State { HEAD, SIZE, DATA, DATA_END, RAW_BODY, DONE }

  private static final byte[] HEARTBEAT = "heartbeat".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RESET = "reset".getBytes(StandardCharsets.US_ASCII);
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

  final int index;
  private final LoadGenerator.Counters counters;
  NetSocket socket;
  /** The stream's request when it is an HTTP/2 stream ({@link LoadGenerator#http2}); then {@link #socket} is null. */
  io.vertx.core.http.HttpClientRequest h2Request;
  boolean ready;
  boolean everReady;
  boolean closedByUs;
  /** Seqs counted (each once), duplicates seen, the highest seq and a bit mask of the 64 below it. */
  long received;
  long duplicates;
  long maxSeq;
  private long window;
  private long lastHeartbeatNanos;

  private State state = State.HEAD;
  private byte[] head = new byte[512];
  private int headLen;
  private long chunkLeft;
  private boolean sizeExtension;
  private byte[] line = new byte[128];
  private int lineLen;
  private final byte[] type = new byte[32];
  private int typeLen;
  private boolean hasData;
  private long seq = -1;
  private long stampMicros;
  private final byte[] pendingId = new byte[256];
  private int pendingIdLen = -1;
  private byte[] lastId = new byte[0];
  private int lastIdLen;

  StreamProbe(int index, LoadGenerator.Counters counters) {
    this.index = index;
    this.counters = counters;
  }

  /** The id of the last event with an id, or null: what a resume sends as {@code Last-Event-ID}. */
  String lastEventId() {
    return lastIdLen == 0 ? null : new String(lastId, 0, lastIdLen, StandardCharsets.UTF_8);
  }

  /** Forgets the parse state of a previous connection; keeps what was received. */
  void reconnecting() {
    state = State.HEAD;
    headLen = 0;
    lineLen = 0;
    typeLen = 0;
    hasData = false;
    seq = -1;
    pendingIdLen = -1;
    ready = false;
    closedByUs = false;
    lastHeartbeatNanos = 0;
  }

  /** An HTTP/2 stream answered 200: what follows is its body, framed by HTTP/2, not by chunks. */
  void http2Started() {
    state = State.RAW_BODY;
    ready = true;
    everReady = true;
    counters.onReady(this);
  }

  void feed(Buffer buf) {
    int n = buf.length();
    byte[] b = SCRATCH.get();
    if (b.length < n) {
      b = new byte[n];
      SCRATCH.set(b);
    }
    buf.getBytes(0, n, b, 0);
    int i = 0;
    while (i < n) {
      switch (state) {
        case HEAD -> i = head(b, i, n);
        case SIZE -> {
          byte c = b[i++];
          if (c == '\n') {
            state = chunkLeft == 0 ? State.DONE : State.DATA;
            sizeExtension = false;
          } else if (c == ';') {
            sizeExtension = true;
          } else if (c != '\r' && !sizeExtension) {
            chunkLeft = chunkLeft * 16 + Character.digit(c, 16);
          }
        }
        case DATA -> {
          int take = (int) Math.min(chunkLeft, n - i);
          body(b, i, i + take);
          i += take;
          chunkLeft -= take;
          if (chunkLeft == 0) {
            state = State.DATA_END;
          }
        }
        case DATA_END -> {
          if (b[i++] == '\n') {
            state = State.SIZE;
            chunkLeft = 0;
          }
        }
        case RAW_BODY -> {
          body(b, i, n);
          i = n;
        }
        case DONE -> i = n;
      }
    }
  }

  private int head(byte[] b, int i, int n) {
    while (i < n) {
      byte c = b[i++];
      if (headLen == head.length) {
        byte[] bigger = new byte[head.length * 2];
        System.arraycopy(head, 0, bigger, 0, headLen);
        head = bigger;
      }
      head[headLen++] = c;
      if (c == '\n' && headLen >= 4 && head[headLen - 2] == '\r' && head[headLen - 3] == '\n') {
        String text = new String(head, 0, headLen, StandardCharsets.ISO_8859_1);
        int status = text.length() > 12 ? Integer.parseInt(text.substring(9, 12)) : 0;
        if (status != 200) {
          counters.badStatus.increment();
          state = State.DONE;
          socket.close();
          return n;
        }
        state = text.toLowerCase().contains("transfer-encoding: chunked") ? State.SIZE : State.RAW_BODY;
        chunkLeft = 0;
        ready = true;
        everReady = true;
        counters.onReady(this);
        return i;
      }
    }
    return i;
  }

  private void body(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c == '\n') {
        line();
        lineLen = 0;
      } else if (c != '\r') {
        if (lineLen == line.length) {
          byte[] bigger = new byte[line.length * 2];
          System.arraycopy(line, 0, bigger, 0, lineLen);
          line = bigger;
        }
        line[lineLen++] = c;
      }
    }
  }

  private void line() {
    if (lineLen == 0) {
      dispatch();
      return;
    }
    if (line[0] == ':') {
      heartbeat();
      return;
    }
    int colon = 0;
    while (colon < lineLen && line[colon] != ':') {
      colon++;
    }
    int v = colon + 1;
    if (v < lineLen && line[v] == ' ') {
      v++;
    }
    int vLen = Math.max(0, lineLen - v);
    if (colon == 4 && line[0] == 'd' && line[1] == 'a') {
      hasData = true;
      if (vLen > 2 && line[v] == 's' && line[v + 1] == '=') {
        int p = v + 2;
        long s = 0;
        while (p < lineLen && line[p] >= '0' && line[p] <= '9') {
          s = s * 10 + (line[p++] - '0');
        }
        long t = 0;
        if (p + 3 < lineLen && line[p + 1] == 't' && line[p + 2] == '=') {
          p += 3;
          while (p < lineLen && line[p] >= '0' && line[p] <= '9') {
            t = t * 10 + (line[p++] - '0');
          }
        }
        seq = s;
        stampMicros = t;
      }
    } else if (colon == 5 && line[0] == 'e') {
      typeLen = Math.min(vLen, type.length);
      System.arraycopy(line, v, type, 0, typeLen);
    } else if (colon == 2 && line[0] == 'i' && line[1] == 'd') {
      pendingIdLen = Math.min(vLen, pendingId.length);
      System.arraycopy(line, v, pendingId, 0, pendingIdLen);
    }
  }

  private void dispatch() {
    if (pendingIdLen >= 0) {
      if (lastId.length < pendingIdLen) {
        lastId = new byte[Math.max(pendingIdLen, 64)];
      }
      System.arraycopy(pendingId, 0, lastId, 0, pendingIdLen);
      lastIdLen = pendingIdLen;
    }
    if (is(HEARTBEAT) || is(PING)) {
      heartbeat();
    } else if (is(RESET)) {
      counters.resets.increment();
    } else if (seq >= 0) {
      event(seq, stampMicros);
    } else if (hasData && !is(HELLO) && typeLen > 0) {
      counters.otherEvents.increment();
    }
    typeLen = 0;
    hasData = false;
    seq = -1;
    pendingIdLen = -1;
  }

  private boolean is(byte[] name) {
    if (typeLen != name.length) {
      return false;
    }
    for (int i = 0; i < typeLen; i++) {
      if (type[i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  private void heartbeat() {
    long now = System.nanoTime();
    if (lastHeartbeatNanos != 0) {
      counters.heartbeatInterval((now - lastHeartbeatNanos) / 1_000_000);
    }
    lastHeartbeatNanos = now;
    counters.heartbeats.increment();
  }

  private void event(long s, long t) {
    if (s > maxSeq) {
      long shift = s - maxSeq;
      window = shift >= 64 ? 0 : (window << shift);
      window |= 1L << 0;
      maxSeq = s;
    } else {
      long back = maxSeq - s;
      if (back < 64) {
        long bit = 1L << back;
        if ((window & bit) != 0) {
          duplicates++;
          counters.duplicates.increment();
          return;
        }
        window |= bit;
      }
    }
    received++;
    counters.delivered(s, t);
  }
}
