package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bare HTTP/2 client over a socket (prior knowledge, or TLS with ALPN per its options) that sends whatever header
 * block it is given, checked by no client library (over-long, malformed, against the announced settings), and
 * records per stream what the server answered: response headers, DATA, the end of the stream, a reset; and a GOAWAY.
 * Every frame the server sends is read (HPACK state kept), SETTINGS and PING acknowledged, received DATA given back
 * as window, so a stream can be read as long as the test runs.
 */
final class RawH2 {

  /** What the server sent on one stream. */
  static final class Stream {
    volatile Http2Headers headers;
    final StringBuffer data = new StringBuffer();
    volatile boolean ended;
    volatile Long reset;

    @Override
    public String toString() {
      return "headers " + headers + " data " + data + (ended ? " END_STREAM" : "") + (reset == null ? ""
          : " RST_STREAM " + reset);
    }
  }

  private static final int MAX_FRAME = 16_384;

  private final NetClient client; // held to the end: a collected client closes its connections
  private final NetSocket socket;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, Long.MAX_VALUE >>> 33);
  private final DefaultHttp2HeadersEncoder encoder =
      new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
  private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
  private Buffer pending = Buffer.buffer();
  /** The block being read from a HEADERS frame without END_HEADERS and its CONTINUATIONs. */
  private ByteBuf block;
  private int blockStream;
  private boolean blockEnds;
  volatile Long goAway;
  volatile boolean closed;
  private int nextId = 3;
  /** Until the 101 of an upgrade has been read: the bytes of its head so far. */
  private StringBuilder upgradeHead;

  private RawH2(NetClient client, NetSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.handler(this::read);
    socket.closeHandler(v -> closed = true);
  }

  /** A connection that has sent the preface and empty SETTINGS. */
  static Future<RawH2> connect(Vertx vertx, int port, NetClientOptions options) {
    NetClient client = vertx.createNetClient(options);
    return client.connect(port, "127.0.0.1").compose(socket -> {
      RawH2 c = new RawH2(client, socket);
      Buffer out = Buffer.buffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "ISO-8859-1");
      out.appendBytes(frame(4, 0, 0, new byte[0]));
      return socket.write(out).map(c);
    });
  }

  /**
   * A connection that asked for h2c with {@code GET path} over HTTP/1.1; once the 101 has come, it sends the preface
   * and empty SETTINGS, and the answer to {@code path} arrives on stream 1.
   */
  static Future<RawH2> upgrade(Vertx vertx, int port, String path) {
    NetClient client = vertx.createNetClient();
    return client.connect(port, "127.0.0.1").compose(socket -> {
      RawH2 c = new RawH2(client, socket);
      c.upgradeHead = new StringBuilder();
      c.stream(1);
      return socket.write("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
          + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n").map(c);
    });
  }

  /** A stream id not used yet on this connection (3, 5, ...: stream 1 is the test's first). */
  synchronized int nextStreamId() {
    int id = nextId;
    nextId += 2;
    return id;
  }

  /** What the server sent on stream {@code id} so far. */
  Stream stream(int id) {
    return streams.computeIfAbsent(id, k -> new Stream());
  }

  /**
   * Sends {@code headers} on stream {@code id} (HEADERS, then CONTINUATIONs for a block over one frame), ending the
   * stream when {@code end}.
   */
  Future<Void> headers(int id, Http2Headers headers, boolean end) {
    stream(id);
    ByteBuf encoded = Unpooled.buffer();
    try {
      encoder.encodeHeaders(id, headers, encoded);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    byte[] bytes = new byte[encoded.readableBytes()];
    encoded.readBytes(bytes);
    Buffer out = Buffer.buffer();
    for (int at = 0; at == 0 || at < bytes.length; at += MAX_FRAME) {
      int to = Math.min(bytes.length, at + MAX_FRAME);
      byte[] part = java.util.Arrays.copyOfRange(bytes, at, to);
      int flags = (to == bytes.length ? 0x4 : 0) | (at == 0 && end ? 0x1 : 0);
      out.appendBytes(frame(at == 0 ? 1 : 9, flags, id, part));
    }
    return socket.write(out);
  }

  /** Sends {@code body} as one DATA frame on stream {@code id}, ending it when {@code end}. */
  Future<Void> data(int id, String body, boolean end) {
    return socket.write(Buffer.buffer(frame(0, end ? 1 : 0, id, body.getBytes(StandardCharsets.UTF_8))));
  }

  Future<Void> close() {
    return client.close();
  }

  private void read(Buffer b) {
    if (upgradeHead != null) {
      String text = b.toString(StandardCharsets.ISO_8859_1);
      int from = upgradeHead.length();
      upgradeHead.append(text);
      int end = upgradeHead.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      if (!upgradeHead.toString().startsWith("HTTP/1.1 101")) {
        throw new IllegalStateException("no upgrade: " + upgradeHead);
      }
      b = b.getBuffer(end + 4 - from, b.length());
      upgradeHead = null;
      Buffer out = Buffer.buffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "ISO-8859-1");
      socket.write(out.appendBytes(frame(4, 0, 0, new byte[0])));
    }
    Buffer in = pending.appendBuffer(b);
    int at = 0;
    while (in.length() - at >= 9 && in.length() - at >= 9 + in.getMedium(at)) {
      int length = in.getMedium(at);
      int type = in.getUnsignedByte(at + 3);
      int flags = in.getUnsignedByte(at + 4);
      int id = in.getInt(at + 5) & 0x7fffffff;
      Buffer payload = in.getBuffer(at + 9, at + 9 + length);
      at += 9 + length;
      switch (type) {
        case 0 -> {
          int from = (flags & 0x8) != 0 ? 1 : 0;
          int to = payload.length() - ((flags & 0x8) != 0 ? payload.getUnsignedByte(0) : 0);
          stream(id).data.append(payload.getString(from, to, "UTF-8"));
          if (length > 0) { // the window back, for the stream and the connection
            socket.write(Buffer.buffer(frame(8, 0, id, Buffer.buffer().appendInt(length).getBytes()))
                .appendBytes(frame(8, 0, 0, Buffer.buffer().appendInt(length).getBytes())));
          }
          if ((flags & 1) != 0) {
            stream(id).ended = true;
          }
        }
        case 1 -> {
          int from = (flags & 0x8) != 0 ? 1 : 0; // PADDED: pad length first, padding last
          int to = payload.length() - ((flags & 0x8) != 0 ? payload.getUnsignedByte(0) : 0);
          from += (flags & 0x20) != 0 ? 5 : 0; // PRIORITY: dependency and weight
          block = Unpooled.wrappedBuffer(payload.getBytes(from, to));
          blockStream = id;
          blockEnds = (flags & 1) != 0;
          if ((flags & 0x4) != 0) {
            headersRead();
          }
        }
        case 9 -> {
          block = Unpooled.wrappedBuffer(block, Unpooled.wrappedBuffer(payload.getBytes()));
          if ((flags & 0x4) != 0) {
            headersRead();
          }
        }
        case 3 -> stream(id).reset = payload.getUnsignedInt(0);
        case 4 -> {
          if ((flags & 1) == 0) {
            socket.write(Buffer.buffer(frame(4, 1, 0, new byte[0])));
          }
        }
        case 6 -> {
          if ((flags & 1) == 0) {
            socket.write(Buffer.buffer(frame(6, 1, 0, payload.getBytes())));
          }
        }
        case 7 -> goAway = payload.getUnsignedInt(4);
        default -> {
        }
      }
    }
    pending = in.getBuffer(at, in.length()); // keep only the unparsed tail
  }

  private void headersRead() {
    Stream s = stream(blockStream);
    try {
      s.headers = decoder.decodeHeaders(blockStream, block);
    } catch (Exception e) {
      throw new IllegalStateException("undecodable response headers on stream " + blockStream, e);
    }
    if (blockEnds) {
      s.ended = true;
    }
    block = null;
  }

  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    return Buffer.buffer().appendMedium(payload.length).appendByte((byte) type).appendByte((byte) flags)
        .appendInt(stream).appendBytes(payload).getBytes();
  }
}
