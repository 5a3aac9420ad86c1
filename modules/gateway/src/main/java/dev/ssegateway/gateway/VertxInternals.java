package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;
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
 * HTTP/1.x server connection ({@code channel()}), and {@code reportBytesWritten(long)} so that bytes written
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
 * ({@code "deflater"}), set in {@code io.vertx.core.http.impl.HttpServerConnectionInitializer}, and {@link #H2C_UPGRADE}
 * ({@code "h2c"}, whose presence tells the connection gate that the first request was already decoded; a renamed one
 * makes {@code Http2StreamsTest}'s h2c upgrade fail). A renamed handler
 * makes the direct path or the framing check silently step aside; then {@code DirectWritesTest} (direct stream
 * count) and {@code AmbiguousFramingTest} (refusals) fail (checked by renaming them).</li>
 * <li>{@code io.vertx.core.http.impl.VertxHttpRequestDecoder} (exported only to Vert.x's own tests), extended by
 * {@link #requestDecoder} for {@link FramingDecoder}'s check: Netty drops {@code Content-Length} while decoding a
 * request that also has {@code Transfer-Encoding}, before any handler after the decoder sees it, and a plain Netty
 * decoder would not build the request with the headers implementation ({@code HeadersMultiMap}) and limits Vert.x's
 * server expects. Fails if it breaks: {@code AmbiguousFramingTest}; also exercised by every HTTP test.</li>
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
 * </ol>
 * The cluster manager, once read through {@code VertxInternal.clusterManager()}, is now passed in explicitly
 * ({@link HealthOptions#setClusterManager}).
 */
public final class VertxInternals {

  /** Vert.x's name for the HTTP/1.x request decoder in a server connection's pipeline. */
  static final String HTTP_DECODER = "httpDecoder";
  /** Vert.x's name for the HTTP/1.x response encoder in a server connection's pipeline. */
  static final String HTTP_ENCODER = "httpEncoder";
  /** Vert.x's name for its h2c upgrade handler, in a cleartext HTTP/1.x pipeline until the first request is read. */
  static final String H2C_UPGRADE = "h2c";
  /** Vert.x's name for the response compressor, present when the server compresses. */
  static final String COMPRESSOR = "deflater";
  /** The logger Vert.x's connections log a peer's reset with. */
  public static final String CONNECTION_LOGGER = ConnectionBase.class.getName();

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
   * invalid-request handler), no body is read for it, and nothing after it on the connection is decoded.
   */
  static ChannelHandler requestDecoder(HttpServerOptions options, Function<HttpMessage, RuntimeException> refusal) {
    return new RefusingRequestDecoder(options, refusal);
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
    private boolean refused;

    RefusingRequestDecoder(HttpServerOptions options, Function<HttpMessage, RuntimeException> refusal) {
      super(options);
      this.refusal = refusal;
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
    }
  }
}
