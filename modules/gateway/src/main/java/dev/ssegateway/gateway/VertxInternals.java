package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.Http1xOrH2CHandler;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.VertxWrapper;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.NetServerInternal;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The fence: the only place in the project's main code that uses non-public Vert.x API. Checked against
 * <b>Vert.x 5.0.7</b> (Netty 4.2.9.Final). {@code VertxInternalsFenceTest} fails if any other main source file imports
 * {@code io.vertx.core.internal}, {@code io.vertx.core.impl}, {@code *.net.impl} or {@code *.http.impl}.
 *
 * <p>On a Vert.x upgrade, re-check each item below against the new Vert.x sources and run the tests named with it
 * (a removed or renamed type or method breaks the build first; the tests catch a change of behaviour). Exported
 * API was checked first for each: none does the job in 5.0.7.
 * <ol>
 * <li>{@code io.vertx.core.net.impl.ConnectionBase} (exported only to Vert.x's own tests): the Netty channel of an
 * HTTP/1.x or HTTP/2 server connection ({@code channel()}; the connection gate knows connections by channel from
 * accept), and {@code reportBytesWritten(long)} so that bytes written
 * straight to the channel still count in Vert.x's HTTP server metrics. No public type gives an
 * {@link HttpConnection}'s channel; {@code NetSocketInternal.channelHandlerContext()} is for {@code NetSocket}s only,
 * and {@code HttpServerRequest.toNetSocket()} would take the connection away from the HTTP codec. Used by
 * {@link #channel}, {@link #bytesWrittenReporter}. Fail if it breaks: {@code DirectWritesTest} (asserts every
 * HTTP/1.1 stream is written directly), {@code AmbiguousFramingTest}; also exercised by {@code TlsTest} and
 * {@code SlowConsumerTest}. No test reads the bytes-written metric: a change there only shows at compile time.
 * Its logger name ({@link #CONNECTION_LOGGER}) is also what the app's log filter quiets for an expected
 * "Connection reset" ({@code KnownNoiseFilterTest}).</li>
 * <li>The names Vert.x gives its handlers in an HTTP/1.x server pipeline: {@link #HTTP_DECODER}
 * ({@code "httpDecoder"}), {@link #HTTP_ENCODER} ({@code "httpEncoder"}), {@link #COMPRESSOR}
 * ({@code "deflater"}), set in {@code io.vertx.core.http.impl.HttpServerConnectionInitializer} (also when
 * {@code Http1xOrH2CHandler} picks HTTP/1.x), and {@link #H2C_UPGRADE} ({@code "h2c"}, set in
 * {@code configureHttp1OrH2CUpgradeHandler}) for {@code io.vertx.core.http.impl.Http1xUpgradeToH2CHandler}, in front
 * of which {@link FirstRequest} shows the first request to {@link H2cUpgrade}. A renamed handler
 * makes the direct path or the framing check silently step aside; then {@code DirectWritesTest} (direct stream
 * count) and {@code AmbiguousFramingTest} (refusals) fail (checked by renaming them); a renamed {@code "h2c"} fails
 * {@code SelfAnsweredRefusalsTest} (an unservable upgrade gets Vert.x's empty 400 again).</li>
 * <li>What {@code Http1xUpgradeToH2CHandler} upgrades, which {@link H2cUpgrade} mirrors to decline the rest: a first
 * request whose {@code Upgrade} is {@code h2c} ({@code headers().contains(UPGRADE, "h2c", true)}, the same call
 * {@link FirstRequest} makes), whose first {@code Connection} field names {@code Upgrade} and {@code HTTP2-Settings}
 * (tokens split at commas, spaces dropped, any case) and whose {@code HTTP2-Settings} decodes
 * ({@code HttpUtils.decodeSettings}: {@code java.util.Base64} URL decoder, 6 bytes per setting, Netty's
 * {@code Http2Settings.put} range check); it does not look at the request's decoder result. Anything else that asks
 * for h2c it answers with an empty 400 and leaves the connection open. If Vert.x accepts less,
 * {@code SelfAnsweredRefusalsTest} sees its empty 400; if it accepts more, nothing fails (such an upgrade is
 * declined, served over HTTP/1.1).</li>
 * <li>{@code io.vertx.core.http.impl.VertxHttpRequestDecoder} (exported only to Vert.x's own tests), extended by
 * {@link #requestDecoder} for {@link FramingDecoder}'s check: Netty drops {@code Content-Length} while decoding a
 * request that also has {@code Transfer-Encoding}, before any handler after the decoder sees it, and a plain Netty
 * decoder would not build the request with the headers implementation ({@code HeadersMultiMap}) and limits Vert.x's
 * server expects. Fails if it breaks: {@code AmbiguousFramingTest}; also exercised by every HTTP test. A body the
 * decoder cannot read (an {@code HttpContent} whose decoder result failed) makes Vert.x's
 * {@code Http1xServerConnection} close the connection without an answer; the decoder keeps it from Vert.x and hands it
 * to the gate, which answers it ({@code SelfAnsweredRefusalsTest.aBrokenChunkedBody...}). A request line naming
 * another version than HTTP/1.0 or 1.1 would get an empty 501 from {@code Http1xServerRequestHandler}
 * ({@code request.version()} null); {@link FramingDecoder} refuses it first ({@code SelfAnsweredRefusalsTest}).</li>
 * <li>{@code io.vertx.core.internal.buffer.BufferInternal.buffer(ByteBuf)} (exported "internal" API): a Vert.x
 * {@link Buffer} over a shared chunk's memory without a copy, for writes that go through Vert.x (before the
 * hand-over, non-direct streams); the public {@code Buffer.buffer(...)} factories all copy. Exercised (bytes
 * checked) by {@code DirectWritesTest}, {@code ReplayPacingTest}, {@code HistoryBudgetTest}; no test can tell a
 * shared buffer from a copy.</li>
 * <li>{@code io.vertx.core.internal.ContextInternal.deployment()} and
 * {@code io.vertx.core.internal.deployment.DeploymentContext.deployment().identifier()} (exported "internal" API):
 * the name of the verticle that owns a context, for the app's uncaught-error log lines and counters; the public
 * {@link Context#deploymentID()} is an opaque id. Fails if it breaks: {@code FailingPublisherTest} (in modules/app,
 * checked by making it return null); {@code UncaughtErrorsTest} covers the no-verticle case.</li>
 * <li>The accept hook, {@link #httpServer}. The HTTP server is built as {@code VertxImpl.createHttpServer} builds it,
 * {@code io.vertx.core.http.impl.HttpServerImpl}'s public constructor, but over a
 * {@code io.vertx.core.internal.VertxWrapper} (Vert.x's base for wrapping a
 * {@code io.vertx.core.internal.VertxInternal}) whose {@code createNetServer} returns a
 * {@code io.vertx.core.net.impl.NetServerImpl} subclass (the type {@code createNetServer} returns is
 * {@code io.vertx.core.net.impl.NetServerInternal}). Its {@code protected initChannel(ChannelPipeline, boolean)}
 * runs for each accepted channel on the server instance's event loop, at accept (after the handshake with TLS),
 * before Vert.x adds its HTTP handlers and before any byte is read. No exported API runs there: the server's
 * {@code connectionHandler} comes too late on a cleartext server with h2c, since Vert.x 5.0.7
 * ({@code HttpServerConnectionInitializer.configurePipeline}) first puts an
 * {@code io.vertx.core.http.impl.Http1xOrH2CHandler} in the pipeline, which picks the protocol on the first bytes,
 * and calls it only once an HTTP/1.x connection's first request is decoded ({@code Http1xUpgradeToH2CHandler}) or
 * an HTTP/2 connection's preface and settings are read; the metrics SPI's {@code connected} sees the address but
 * not the channel. The hook also finds that {@code Http1xOrH2CHandler} (by type) to put the {@link FramingDecoder}
 * in place once it chose HTTP/1.x and before the decoder reads a byte; once it chose HTTP/2 (or at once with ALPN
 * {@code h2}) it hands the pipeline to {@link AcceptHook#http2} before the HTTP/2 codec reads a byte, and
 * {@link Http2RequestCheck} finds the codec there by its public Netty type ({@code Http2ConnectionHandler}, which
 * Vert.x's {@code VertxHttp2ConnectionHandler} extends; {@code Http2RefusalsTest} fails if it is not found). Fails if it breaks:
 * {@code CleartextGateTest} (silent and preface-only cleartext connections timed, bounded per address and by
 * {@code limits.fd_reserve}; checked by dropping the hook's call), {@code ConnectionGateTest},
 * {@code AmbiguousFramingTest} (checked by not installing the decoder), {@code ConnectionLimitsTest}; the
 * server's metrics and close are {@code NetServerImpl}'s own ({@code GatewayMetricsTest}, every test that
 * undeploys).</li>
 * </ol>
 * The cluster manager, once read through {@code VertxInternal.clusterManager()}, is now passed in explicitly
 * ({@link HealthOptions#setClusterManager}).
 */
public final class VertxInternals {

  /** Vert.x's name for the HTTP/1.x request decoder in a server connection's pipeline. */
  static final String HTTP_DECODER = "httpDecoder";
  /** Vert.x's name for the HTTP/1.x response encoder in a server connection's pipeline. */
  static final String HTTP_ENCODER = "httpEncoder";
  /** Vert.x's name for the response compressor, present when the server compresses. */
  static final String COMPRESSOR = "deflater";
  /** The logger Vert.x's connections log a peer's reset with. */
  public static final String CONNECTION_LOGGER = ConnectionBase.class.getName();
  /**
   * The logger of Vert.x's clustered event bus, which logs "Connecting to server &lt;node id&gt; failed" for a crashed
   * member; the app's log layout prints that line without its stack ({@code ExpectedFailureStacksTest}). On a rename
   * the line only gets its stack back.
   */
  public static final String CLUSTERED_EVENT_BUS_LOGGER = "io.vertx.core.eventbus.impl.clustered.ClusteredEventBus";

  private VertxInternals() {
  }

  /** The Netty channel of {@code connection}, or null when it is not a connection of Vert.x's TCP transport. */
  static Channel channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }

  /**
   * Counts bytes written straight to {@code connection}'s channel in Vert.x's metrics for it; null when
   * {@link #channel} is null for it.
   */
  static LongConsumer bytesWrittenReporter(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base::reportBytesWritten : null;
  }

  /**
   * Vert.x's HTTP/1.x request decoder for a server with {@code options}, which asks {@code refusal} about each
   * request head: a non-null answer marks the request as failed to decode with that cause (it reaches the server's
   * invalid-request handler), no body is read for it, and nothing after it on the connection is decoded. A request
   * body that cannot be decoded (a malformed chunk) goes to {@code brokenBody} with its channel and cause, once its
   * request head has reached the server, instead of to Vert.x (which would close the connection without an answer);
   * nothing after it is decoded, and {@code brokenBody} must answer or close.
   */
  static ChannelHandler requestDecoder(HttpServerOptions options, Function<HttpMessage, RuntimeException> refusal,
                                       BiConsumer<Channel, Throwable> brokenBody) {
    return new RefusingRequestDecoder(options, refusal, brokenBody);
  }

  /**
   * What an HTTP server built by {@link #httpServer} tells about each accepted connection, on the context the server
   * listened from (a verticle's event loop: the channel's).
   */
  interface AcceptHook {
    /**
     * {@code channel} was just accepted (with TLS: its handshake is done): no request byte has been read yet. The hook
     * may close it.
     */
    void accepted(Channel channel);

    /** The request decoder to use in place of Vert.x's on a connection that turned out HTTP/1.x. */
    ChannelHandler http1Decoder();

    /**
     * {@code request}, the first of a cleartext HTTP/1.x connection on a server that serves h2c, asks to upgrade to
     * HTTP/2 ({@code Upgrade: h2c}, as Vert.x reads it); called before Vert.x sees it. Removing its {@code Upgrade}
     * header declines the upgrade: Vert.x then serves the request over HTTP/1.1 instead of upgrading it.
     */
    void h2cUpgrade(HttpRequest request);

    /**
     * {@code pipeline}'s connection turned out HTTP/2 (prior knowledge or ALPN {@code h2}): Vert.x's HTTP/2 codec, a
     * Netty {@code Http2ConnectionHandler}, is in it and has not read a byte of the connection yet. Also called once a
     * connection was upgraded from HTTP/1.1 ({@code Upgrade: h2c}): then the codec may already have read the client's
     * preface and more, if the client sent them with its request.
     */
    void http2(ChannelPipeline pipeline);
  }

  /**
   * An HTTP server with {@code options}, as {@link Vertx#createHttpServer(HttpServerOptions)} makes it, that calls
   * {@code hook} at the accept of each connection, before any byte of it is read, whichever protocol it turns out to
   * speak, and puts {@link AcceptHook#http1Decoder} in place of Vert.x's request decoder on a connection that turns out
   * HTTP/1.x, before that decoder reads a byte. On HTTP/2 connections Netty's HTTP/2 codec checks the framing itself
   * (a frame's length is always explicit).
   */
  static HttpServer httpServer(Vertx vertx, HttpServerOptions options, AcceptHook hook) {
    VertxInternal real = (VertxInternal) vertx;
    VertxInternal hooked = new VertxWrapper(real) {
      @Override
      public NetServerInternal createNetServer(NetServerOptions tcpOptions) {
        // called by the server's listen(), on the context it listens from (the verticle's): the hook runs there
        ContextInternal context = delegate.getOrCreateContext();
        return new NetServerImpl(delegate, tcpOptions.copy()) {
          @Override
          protected void initChannel(ChannelPipeline pipeline, boolean ssl) {
            // before the handlers Vert.x adds from here on, after the TLS handler: it sees the first plain bytes
            pipeline.addLast(FIRST_BYTES, new FirstBytes(hook));
            super.initChannel(pipeline, ssl);
            context.emit(pipeline.channel(), hook::accepted);
          }
        };
      }
    };
    return new HttpServerImpl(hooked, options);
  }

  /** The name of {@link FirstBytes} in a pipeline. */
  static final String FIRST_BYTES = "sseGatewayFirstBytes";
  /** The name of {@link FirstRequest} in a pipeline. */
  static final String FIRST_REQUEST = "sseGatewayFirstRequest";

  /**
   * Sees a connection's first bytes before its HTTP decoder does. In front of Vert.x's {@link Http1xOrH2CHandler} (a
   * cleartext server with h2c), which decides the protocol on these bytes, it moves right behind it; there (or at once
   * when Vert.x has already chosen HTTP/1.x) it puts the hook's decoder in place of Vert.x's {@link #HTTP_DECODER} on
   * an HTTP/1.x connection, a {@link FirstRequest} in front of Vert.x's {@link #H2C_UPGRADE} handler when there is
   * one, and steps out; on an HTTP/2 connection it calls {@link AcceptHook#http2} before the codec reads a byte.
   */
  private static final class FirstBytes extends ChannelInboundHandlerAdapter {
    private final AcceptHook hook;

    FirstBytes(AcceptHook hook) {
      this.hook = hook;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ChannelPipeline pipeline = ctx.pipeline();
      ChannelHandlerContext detector = pipeline.context(Http1xOrH2CHandler.class);
      if (detector != null) {
        // Vert.x chooses HTTP/1.x or HTTP/2 while reading these bytes (maybe a later read): look again just after it
        pipeline.addAfter(detector.name(), null, new FirstBytes(hook));
      } else if (pipeline.get(HTTP_DECODER) != null) {
        pipeline.replace(HTTP_DECODER, HTTP_DECODER, hook.http1Decoder());
        if (pipeline.get(H2C_UPGRADE) != null) {
          pipeline.addBefore(H2C_UPGRADE, FIRST_REQUEST, new FirstRequest(hook));
        }
      } else { // HTTP/2, whose codec checks each frame's length and kind itself
        hook.http2(pipeline);
      }
      pipeline.remove(this);
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * Vert.x's name for its {@code Http1xUpgradeToH2CHandler}, which reads the first request of a cleartext HTTP/1.x
   * connection on a server with h2c: it upgrades one with a valid {@code Upgrade: h2c}, answers one whose upgrade it
   * cannot serve with an empty 400 (leaving the connection open), and steps out for any other.
   */
  static final String H2C_UPGRADE = "h2c";

  /**
   * Shows the first request of a connection to the hook ({@link AcceptHook#h2cUpgrade}) when it asks for
   * {@code Upgrade: h2c} as Vert.x's {@link #H2C_UPGRADE} handler reads it (the same call on the same headers), before
   * that handler sees it; then steps out, for an upgrade once the request has passed whole (Vert.x upgrades on its
   * end): when Vert.x then put its HTTP/2 codec in the pipeline, the hook hears of it ({@link AcceptHook#http2}), before
   * the client's preface if that has not arrived yet. Later requests of the connection never pass here.
   */
  private static final class FirstRequest extends ChannelInboundHandlerAdapter {
    private final AcceptHook hook;
    private boolean upgrade;

    FirstRequest(AcceptHook hook) {
      this.hook = hook;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ChannelPipeline pipeline = ctx.pipeline();
      if (msg instanceof HttpRequest request) {
        upgrade = request.headers().contains(HttpHeaderNames.UPGRADE, "h2c", true);
        if (upgrade) {
          hook.h2cUpgrade(request);
        }
      }
      boolean last = msg instanceof LastHttpContent;
      if (!upgrade || last) {
        pipeline.remove(this);
      }
      ctx.fireChannelRead(msg);
      if (upgrade && last && pipeline.get(Http2ConnectionHandler.class) != null) {
        hook.http2(pipeline);
      }
    }
  }

  /** A Vert.x buffer over the readable bytes of {@code bytes}, sharing their memory. */
  static Buffer buffer(ByteBuf bytes) {
    return BufferInternal.buffer(bytes);
  }

  /**
   * The identifier the verticle that owns {@code context} was deployed with (e.g. {@code java:com.acme.Ticker}),
   * or null when the context belongs to no deployment.
   */
  public static String verticleIdentifier(Context context) {
    DeploymentContext deployment = context instanceof ContextInternal c ? c.deployment() : null;
    return deployment == null ? null : deployment.deployment().identifier();
  }

  private static final class RefusingRequestDecoder extends VertxHttpRequestDecoder {
    private final Function<HttpMessage, RuntimeException> refusal;
    private final BiConsumer<Channel, Throwable> brokenBody;
    private boolean refused;
    /** The cause of a body that could not be decoded, until {@link #brokenBody} is told. */
    private Throwable bodyFailure;

    RefusingRequestDecoder(HttpServerOptions options, Function<HttpMessage, RuntimeException> refusal,
                           BiConsumer<Channel, Throwable> brokenBody) {
      super(options);
      this.refusal = refusal;
      this.brokenBody = brokenBody;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      RuntimeException cause = refusal.apply(msg);
      if (cause != null) {
        refused = true;
        msg.setDecoderResult(DecoderResult.failure(cause));
        return true; // no body is read: the request ends here and the connection with it
      }
      return super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      if (refused) {
        buffer.skipBytes(buffer.readableBytes()); // the connection is closing: nothing after the refused request counts
        return;
      }
      super.decode(ctx, buffer, out);
      // a body that cannot be decoded ends what the decoder produces: only the last piece can be it
      int last = out.size() - 1;
      if (last >= 0 && out.get(last) instanceof HttpContent content && !(content instanceof HttpMessage)
          && content.decoderResult().isFailure()) {
        out.remove(last);
        bodyFailure = content.decoderResult().cause();
        content.release();
        refused = true;
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      super.channelRead(ctx, msg); // hands on what was decoded, the broken body's request head included
      if (bodyFailure != null) {
        Throwable cause = bodyFailure;
        bodyFailure = null;
        brokenBody.accept(ctx.channel(), cause);
      }
    }
  }
}
