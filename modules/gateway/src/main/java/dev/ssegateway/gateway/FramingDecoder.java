package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder, refusing a request whose body framing a proxy in front might read otherwise:
 * {@code Transfer-Encoding} other than exactly {@code chunked} ({@code chunked, identity}, {@code xchunked}, two
 * headers), or {@code Transfer-Encoding} together with {@code Content-Length}. Netty would take the first as
 * chunked, the second as no body at all (its body then read as the next request) and would drop the
 * {@code Content-Length} of the third. Such a request is marked as failed to decode, so it reaches the server's
 * invalid-request handler (400 {@code ambiguous_framing}, then the connection is closed), and nothing after it on
 * the connection is decoded.
 *
 * <p>Extends {@code io.vertx.core.http.impl.VertxHttpRequestDecoder} (non-public Vert.x API, built from the same
 * {@link HttpServerOptions} Vert.x uses), because the {@code Content-Length} is gone before any public hook sees
 * the request.
 */
final class FramingDecoder extends VertxHttpRequestDecoder {

  /** Vert.x's name for the HTTP/1.x request decoder in the connection's pipeline. */
  static final String NAME = "httpDecoder";

  /** The cause of a refused request's decoder failure. */
  static final class AmbiguousFraming extends IllegalArgumentException {
    AmbiguousFraming(String message) {
      super(message);
    }
  }

  private boolean refused;

  FramingDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    String problem = framingProblem(msg);
    if (problem != null) {
      refused = true;
      msg.setDecoderResult(DecoderResult.failure(new AmbiguousFraming(problem)));
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

  /** Why the body framing of {@code msg} is ambiguous, or null when it is not. */
  static String framingProblem(HttpMessage msg) {
    List<String> encodings = msg.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (encodings.isEmpty()) {
      return null;
    }
    if (encodings.size() != 1 || !encodings.get(0).trim().equalsIgnoreCase("chunked")) {
      return "Transfer-Encoding must be exactly 'chunked' (got '" + HttpRefusals.echo(String.join(", ", encodings))
          + "')";
    }
    if (msg.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      return "Content-Length and Transfer-Encoding must not be sent together";
    }
    return null;
  }
}
