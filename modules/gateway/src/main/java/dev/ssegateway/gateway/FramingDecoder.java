package dev.ssegateway.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;

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
 * <p>The decoder itself extends a non-public Vert.x class, because the {@code Content-Length} is gone before any
 * public hook sees the request: it lives in the fence, {@link VertxInternals#requestDecoder}; this class holds the
 * rule.
 */
final class FramingDecoder {

  /** The cause of a refused request's decoder failure. */
  static final class AmbiguousFraming extends IllegalArgumentException {
    AmbiguousFraming(String message) {
      super(message);
    }
  }

  private FramingDecoder() {
  }

  /** A request decoder for a server with {@code options} (built from them as Vert.x builds its own). */
  static ChannelHandler create(HttpServerOptions options) {
    return VertxInternals.requestDecoder(options, msg -> {
      String problem = framingProblem(msg);
      return problem == null ? null : new AmbiguousFraming(problem);
    });
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
