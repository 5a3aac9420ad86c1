package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Gives the HTTP/2 requests that Netty's codec or Vert.x would refuse by themselves the project's JSON refusal: a
 * header block over the announced {@code SETTINGS_MAX_HEADER_LIST_SIZE} (the codec answers {@code :status 431} without
 * a body), a {@code :method} that is not an HTTP token (Vert.x fails on it and the whole connection, with every other
 * stream on it, is closed), more than one {@code host} (Vert.x serves the first) and a {@code host} naming another
 * authority than {@code :authority} (Vert.x resets the stream without an answer). The answer is a complete response
 * (status, JSON body) followed by {@code RST_STREAM} ({@code NO_ERROR}, or {@code PROTOCOL_ERROR} for what RFC 9113
 * makes malformed); the connection's other streams go on.
 *
 * <p>It sits in front of the connection's codec and reads the same bytes with a frame reader and HPACK decoder of its
 * own, set like the codec's (same limits, same algorithm: the same dynamic table, so the same verdict on each header
 * block). When the codec then opens the stream of a refused request, it answers and resets that stream before the codec
 * goes on: Netty drops the HEADERS of a stream it has reset (Vert.x never sees the request), and on a header list too
 * large, sees the answer's headers sent and writes no 431 of its own. Only public Netty API. Verdicts live for one read
 * (the codec decodes everything the check did before the read returns); a read the check cannot follow (no client
 * preface, a connection error) makes it step out, leaving the codec's own answers.
 */
final class Http2RequestCheck extends ChannelInboundHandlerAdapter {

  /** The name of the check in a pipeline. */
  static final String NAME = "sseGatewayHttp2RequestCheck";
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final AsciiString HOST = AsciiString.cached("host");

  private final Http2ConnectionHandler codec;
  private final GatewayStats stats;
  private final DefaultHttp2FrameReader reader;
  private final Http2HeadersDecoder.Configuration headers;
  private final Map<Integer, JsonObject> refused = new HashMap<>(4);
  private final Listener listener = new Listener();
  private ChannelHandlerContext codecContext;
  /** Bytes of a frame not whole yet (at most one frame's, or a header block's bound), or null. */
  private ByteBuf partial;
  private int prefaceRead;

  private Http2RequestCheck(Http2ConnectionHandler codec, GatewayStats stats) {
    this.codec = codec;
    this.stats = stats;
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    this.headers = decoder.configuration();
    this.reader = new DefaultHttp2FrameReader(decoder);
  }

  /**
   * Puts a check in front of {@code pipeline}'s HTTP/2 codec, which has not read a byte yet; does nothing when there
   * is none.
   */
  static void install(ChannelPipeline pipeline, GatewayStats stats) {
    Http2ConnectionHandler codec = pipeline.get(Http2ConnectionHandler.class);
    ChannelHandlerContext context = codec == null ? null : pipeline.context(codec);
    if (context == null) {
      return;
    }
    Http2RequestCheck check = new Http2RequestCheck(codec, stats);
    check.codecContext = context;
    codec.connection().addListener(check.new Opened());
    pipeline.addBefore(context.name(), NAME, check);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
      try {
        read(ctx, bytes);
      } catch (Http2Exception | RuntimeException e) { // the codec will refuse the connection: its own answer stands
        stepOut(ctx);
      }
    }
    try {
      ctx.fireChannelRead(msg); // the codec decodes these bytes now, and opens the streams of what was refused
    } finally {
      refused.clear();
    }
  }

  private void read(ChannelHandlerContext ctx, ByteBuf bytes) throws Http2Exception {
    ByteBuf in;
    if (partial == null) {
      in = bytes.duplicate(); // the codec reads the same bytes after the check: only a view is moved
    } else {
      partial.writeBytes(bytes, bytes.readerIndex(), bytes.readableBytes());
      in = partial;
    }
    if (prefaceRead < PREFACE.length) {
      int n = Math.min(PREFACE.length - prefaceRead, in.readableBytes());
      for (int i = 0; i < n; i++) {
        if (in.readByte() != PREFACE[prefaceRead++]) {
          throw new IllegalStateException("not an HTTP/2 client preface");
        }
      }
    }
    follow();
    while (in.isReadable()) { // each turn reads at least one frame's bytes, or stops
      int before = in.readerIndex();
      try {
        reader.readFrame(ctx, in, listener);
      } catch (Http2Exception.StreamException e) {
        if (e instanceof Http2Exception.HeaderListSizeException tooLarge && tooLarge.duringDecode()) {
          refuse(e.streamId(), 431, "headers_too_large", "the request headers are larger than the announced "
              + "SETTINGS_MAX_HEADER_LIST_SIZE of " + headers.maxHeaderListSize() + " bytes (limits.max_header_bytes "
              + "plus the request line's bound)", Http2Error.NO_ERROR);
        } // else the codec resets that stream itself
        if (in.readerIndex() == before) {
          throw new IllegalStateException("the frame reader failed without reading", e);
        }
        continue;
      }
      if (in.readerIndex() == before) {
        break; // the rest is part of a frame still arriving
      }
    }
    if (!in.isReadable()) {
      release();
    } else if (in != partial) {
      partial = ctx.alloc().buffer(in.readableBytes());
      partial.writeBytes(in);
    } else {
      partial.discardReadBytes();
    }
  }

  /**
   * Holds the check's decoder to the codec's settings, which change only as the codec applies its own SETTINGS; the
   * bound at which a header block fails the connection is Netty's, from the list size, as the codec's.
   */
  private void follow() throws Http2Exception {
    Http2Settings theirs = codec.decoder().localSettings();
    Long listSize = theirs.maxHeaderListSize();
    if (listSize != null && listSize != headers.maxHeaderListSize()) {
      headers.maxHeaderListSize(listSize, Http2CodecUtil.calculateMaxHeaderListSizeGoAway(listSize));
    }
    Long tableSize = theirs.headerTableSize();
    if (tableSize != null && tableSize != headers.maxHeaderTableSize()) {
      headers.maxHeaderTableSize(tableSize);
    }
    Integer frameSize = theirs.maxFrameSize();
    if (frameSize != null && frameSize != reader.maxFrameSize()) {
      reader.maxFrameSize(frameSize);
    }
  }

  private void refuse(int streamId, int status, String code, String message, Http2Error reset) {
    refused.put(streamId, new JsonObject().put("status", status).put("error", code).put("message", message)
        .put("reset", reset.code()));
  }

  private void stepOut(ChannelHandlerContext ctx) {
    release();
    refused.clear();
    if (ctx.pipeline().context(this) != null) {
      ctx.pipeline().remove(this);
    }
  }

  private void release() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  /**
   * Refuses a request whose {@code :method} is not an HTTP token (RFC 9110 section 9.1), one with more than one
   * {@code host} (Vert.x keeps the first and drops the others: the same request as HTTP/1.1 gets 400
   * {@code ambiguous_host}), and one whose {@code host} names another authority than its {@code :authority}, as Vert.x
   * compares them (Vert.x resets it without an answer; RFC 9113 section 8.3.1 makes it malformed, so the answer is
   * followed by {@code RST_STREAM PROTOCOL_ERROR}).
   */
  private final class Listener extends Http2FrameAdapter {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int padding, boolean end) {
      CharSequence method = h.method();
      if (method != null && !isToken(method)) {
        refuse(streamId, 400, "bad_request", "the :method " + HttpRefusals.echo(method.toString())
            + " is not an HTTP token", Http2Error.NO_ERROR);
        return;
      }
      Iterator<CharSequence> hosts = h.valueIterator(HOST);
      CharSequence host = hosts.hasNext() ? hosts.next() : null;
      if (host != null && hosts.hasNext()) {
        refuse(streamId, 400, "ambiguous_host", "more than one host header: send exactly one", Http2Error.NO_ERROR);
        return;
      }
      CharSequence authority = h.authority();
      HostAndPort named = authority == null ? null : HostAndPort.parseAuthority(authority.toString(), -1);
      if (named != null && host != null) {
        HostAndPort other = HostAndPort.parseAuthority(host.toString(), -1);
        if (other == null || !other.host().equals(named.host()) || other.port() != named.port()) {
          refuse(streamId, 400, "bad_request", "the host header " + HttpRefusals.echo(host.toString())
              + " names another authority than the :authority " + HttpRefusals.echo(authority.toString()),
              Http2Error.PROTOCOL_ERROR);
        }
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int streamDependency,
                              short weight, boolean exclusive, int padding, boolean end) {
      onHeadersRead(ctx, streamId, h, padding, end);
    }
  }

  /**
   * Answers the stream of a refused request as the codec opens it (for its HEADERS, or for its own 431), then resets
   * it so that the codec drops the request.
   */
  private final class Opened extends Http2ConnectionAdapter {
    @Override
    public void onStreamActive(Http2Stream stream) {
      JsonObject refusal = refused.remove(stream.id());
      if (refusal == null || stream.isHeadersSent()) {
        return;
      }
      int status = refusal.getInteger("status");
      String code = refusal.getString("error");
      String message = refusal.getString("message");
      HttpRefusals.refusedBeforeRequest(stats, status, code, message, peer());
      byte[] body = new JsonObject().put("error", code).put("message", message).encode()
          .getBytes(StandardCharsets.UTF_8);
      Http2Headers head = new DefaultHttp2Headers().status(Integer.toString(status))
          .set("content-type", "application/json; charset=utf-8").set("cache-control", "no-store")
          .setInt("content-length", body.length);
      ChannelHandlerContext ctx = codecContext;
      Http2ConnectionEncoder encoder = codec.encoder();
      encoder.writeHeaders(ctx, stream.id(), head, 0, false, ctx.newPromise());
      encoder.writeData(ctx, stream.id(), ctx.alloc().buffer(body.length).writeBytes(body), 0, true,
          ctx.newPromise());
      try {
        encoder.flowController().writePendingBytes(); // ahead of the reset, which would drop what is still queued
      } catch (Http2Exception e) {
        // the body stays queued and is dropped with the stream: the status has been sent
      }
      codec.resetStream(ctx, stream.id(), refusal.getLong("reset"), ctx.newPromise());
    }
  }

  private String peer() {
    return codecContext.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : "?";
  }

  /** Whether {@code text} is a non-empty HTTP token (RFC 9110 section 5.6.2). */
  static boolean isToken(CharSequence text) {
    if (text.length() == 0) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
