package dev.ssegateway.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpServerOptions;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Vert.x's HTTP/1.x request decoder, refusing a request whose body framing a proxy in front might read otherwise:
 * {@code Transfer-Encoding} other than exactly {@code chunked} ({@code chunked, identity}, {@code xchunked}, two
 * headers), or {@code Transfer-Encoding} together with {@code Content-Length}. Netty would take the first as
 * chunked, the second as no body at all (its body then read as the next request) and would drop the
 * {@code Content-Length} of the third. Such a request is marked as failed to decode, so it reaches the server's
 * invalid-request handler (400 {@code ambiguous_framing}, then the connection is closed), and nothing after it on
 * the connection is decoded.
 *
 * <p>It also refuses a request line whose version is not HTTP/1.x ({@code HTTP/2.0} as text, {@code HTTP/3.0}:
 * 505 {@code http_version_not_supported}; a name other than {@code HTTP}: 400 {@code bad_request}), which Vert.x
 * would answer with an empty 501, and serves a higher HTTP/1 minor version ({@code HTTP/1.2}) as HTTP/1.1 (RFC 9112
 * section 2.3). A chunked body that cannot be decoded goes to the given handler instead of making Vert.x close the
 * connection without an answer. The normal request (HTTP/1.1 or 1.0) costs one reference comparison more.
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

  /** The cause of a refused request with more than one {@code Host} header (RFC 9112 section 3.2: a 400). */
  static final class AmbiguousHost extends IllegalArgumentException {
    AmbiguousHost(String message) {
      super(message);
    }
  }

  /** The cause of a refused request whose version is HTTP, but not HTTP/1.x. */
  static final class UnsupportedVersion extends IllegalArgumentException {
    UnsupportedVersion(String message) {
      super(message);
    }
  }

  private FramingDecoder() {
  }

  /**
   * A request decoder for a server with {@code options} (built from them as Vert.x builds its own) that hands a body it
   * cannot decode to {@code brokenBody}, with the connection's channel, once that request's head reached the server.
   */
  static ChannelHandler create(HttpServerOptions options, BiConsumer<Channel, Throwable> brokenBody) {
    return VertxInternals.requestDecoder(options, FramingDecoder::refusal, brokenBody);
  }

  /** Why the request head {@code msg} is refused, or null when it is not. */
  static RuntimeException refusal(HttpMessage msg) {
    HttpVersion version = msg.protocolVersion();
    if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
      RuntimeException refused = versionRefusal(msg, version);
      if (refused != null) {
        return refused;
      }
    }
    String problem = framingProblem(msg);
    if (problem != null) {
      return new AmbiguousFraming(problem);
    }
    return hasTwo(msg, HttpHeaderNames.HOST) ? new AmbiguousHost("more than one Host header: send exactly one") : null;
  }

  /** Whether {@code msg} has the header {@code name} more than once (no list is made for it). */
  private static boolean hasTwo(HttpMessage msg, CharSequence name) {
    java.util.Iterator<String> values = msg.headers().valueStringIterator(name);
    if (!values.hasNext()) {
      return false;
    }
    values.next();
    return values.hasNext();
  }

  /**
   * Null for an HTTP/1.x version (a minor version above 1 is served as HTTP/1.1: {@code msg} is set to it); else why
   * it is refused. A refused request is answered in HTTP/1.1, whatever version it named.
   */
  private static RuntimeException versionRefusal(HttpMessage msg, HttpVersion version) {
    if (version.protocolName().equals("HTTP") && version.majorVersion() == 1) {
      if (version.minorVersion() > 1) {
        msg.setProtocolVersion(HttpVersion.HTTP_1_1);
      }
      return null;
    }
    msg.setProtocolVersion(HttpVersion.HTTP_1_1);
    String text = HttpRefusals.echo(version.text());
    if (!version.protocolName().equals("HTTP")) {
      return new IllegalArgumentException("'" + text + "' is not an HTTP version");
    }
    return new UnsupportedVersion("HTTP version '" + text + "' is not supported: send HTTP/1.1, or HTTP/2 "
        + "(cleartext: with its connection preface; TLS: by ALPN)");
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
