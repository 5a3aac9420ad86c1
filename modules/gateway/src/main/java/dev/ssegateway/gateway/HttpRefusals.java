package dev.ssegateway.gateway;

import dev.ssegateway.core.HttpErrors;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * The refusals that Vert.x and vertx-web make on their own, in the documented format: a status and a JSON body
 * {@code {"error","message"}} instead of an HTML page, plain text or an empty body. Covers requests the HTTP
 * decoder refuses before any route (414, 431, 505 for a version other than HTTP/1.x, 400 for a malformed or
 * ambiguously framed request or chunked body: the connection is closed after the answer), a {@code CONNECT} (405)
 * and the router's own failures (404 unknown path, 405, 400 bad percent-encoding or
 * missing {@code Host}, 403 CORS refusal, 500). A client can cause these at will, so they are logged at most
 * once per cause and window ({@link RateLimitedLog}).
 */
final class HttpRefusals {

  private static final Logger LOG = LoggerFactory.getLogger(HttpRefusals.class);
  private static final RateLimitedLog REFUSED_LOG = new RateLimitedLog(LOG, 10_000);
  private static final int MAX_ECHO = 200;
  /** Statuses the router may produce without a handler of ours having answered. */
  private static final List<Integer> ROUTER_STATUSES = List.of(400, 401, 403, 404, 405, 406, 408, 411, 413, 414, 415,
      429, 431, 500, 501, 502, 503);

  private HttpRefusals() {
  }

  /** Makes every failure {@code router} answers itself a JSON refusal. */
  static void mount(Router router, GatewayStats stats) {
    for (int status : ROUTER_STATUSES) {
      router.errorHandler(status, ctx -> routerFailure(ctx, stats));
    }
  }

  /** For {@code HttpServer#invalidRequestHandler}: the request the decoder could not read; answers and closes. */
  static void invalidRequest(HttpServerRequest request, GatewayStats stats) {
    refuseUnreadable(request, request.decoderResult().cause(), false, stats);
  }

  /**
   * For a request whose body the decoder could not read (a malformed chunk, {@link FramingDecoder}): answers it when
   * its response has not begun, and closes the connection either way.
   */
  static void brokenBody(HttpServerRequest request, Throwable cause, GatewayStats stats) {
    refuseUnreadable(request, cause, true, stats);
  }

  private static void refuseUnreadable(HttpServerRequest request, Throwable cause, boolean body, GatewayStats stats) {
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
      message = "the request line is longer than the server accepts (see docs/operating.md, Limits)";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
      message = body ? "the chunked body's trailer is larger than limits.max_header_bytes"
          : "the request headers are larger than limits.max_header_bytes";
    } else if (cause instanceof FramingDecoder.UnsupportedVersion) {
      status = 505;
      code = "http_version_not_supported";
      message = cause.getMessage();
    } else if (cause instanceof FramingDecoder.AmbiguousHost) {
      status = 400;
      code = "ambiguous_host";
      message = cause.getMessage();
    } else if (cause instanceof FramingDecoder.AmbiguousFraming) {
      status = 400;
      code = "ambiguous_framing";
      message = cause.getMessage();
    } else {
      status = 400;
      code = "bad_request";
      String detail = echo(String.valueOf(cause == null ? "?" : cause.getMessage()));
      message = body ? "the chunked request body could not be parsed: " + detail
          : "the request could not be parsed as HTTP/1.1: " + detail;
    }
    stats.rejected(code);
    REFUSED_LOG.warn("decoder_" + code, "event=request_refused status={} error={} peer={} message=\"{}\"", status,
        code, peer(request), message);
    HttpServerResponse response = request.response();
    if (!response.headWritten()) {
      response.putHeader("Connection", "close");
      HttpErrors.send(response, status, code, message);
    }
    request.connection().close();
  }

  /**
   * Counts and logs (at most once per code and window) a refusal answered before Vert.x made a request of it
   * ({@link Http2RequestCheck}).
   */
  static void refusedBeforeRequest(GatewayStats stats, int status, String code, String message, String peer) {
    stats.rejected(code);
    REFUSED_LOG.warn("h2_" + code, "event=request_refused status={} error={} peer={} message=\"{}\"", status, code,
        peer, message);
  }

  private static void routerFailure(RoutingContext ctx, GatewayStats stats) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    Throwable failure = ctx.failure();
    HttpServerRequest request = ctx.request();
    String code;
    String message;
    switch (status) {
      case 404 -> {
        code = "not_found";
        message = "no endpoint at " + echo(request.path()) + " (see docs/protocol.md, Endpoints)";
      }
      case 405 -> {
        code = "method_not_allowed";
        message = "method " + echo(request.method().name()) + " is not allowed on " + echo(request.path());
      }
      case 403 -> {
        code = "forbidden";
        message = failure != null && String.valueOf(failure.getMessage()).startsWith("CORS")
            ? "origin " + echo(String.valueOf(request.getHeader("Origin"))) + " is not in cors.allowed_origins"
            : "this request is not allowed";
      }
      case 400 -> {
        message = failure == null ? "the request is malformed" : echo(describe(failure));
        code = message.contains("'Host' header") ? "missing_host" : "bad_request";
      }
      case 500 -> {
        code = "internal_error";
        message = "the request could not be handled";
      }
      default -> {
        code = "http_" + status;
        message = failure == null || failure.getMessage() == null ? "request refused" : echo(failure.getMessage());
      }
    }
    String cause = "router_" + status + (failure == null ? "" : "_" + failure.getClass().getSimpleName());
    if (status >= 500 && failure != null) { // a bug of ours: with its stack trace, still at most once per window
      REFUSED_LOG.warn(cause, "event=request_refused status={} error={} peer={} cause=\"{}\"", status, code,
          peer(request), echo(String.valueOf(failure)), failure);
    } else if (status >= 500 || status == 400) {
      REFUSED_LOG.warn(cause, "event=request_refused status={} error={} peer={} cause=\"{}\"", status, code,
          peer(request), failure == null ? "-" : echo(String.valueOf(failure)));
    }
    stats.rejected(code);
    HttpErrors.send(ctx.response(), status, code, message);
  }

  /**
   * Refuses a request whose path has a malformed percent-encoding (400 {@code bad_encoding}) before the router, which
   * would answer it 500; returns whether it did.
   */
  static boolean refusedPath(HttpServerRequest request, GatewayStats stats) {
    String path = request.path();
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      if (path == null || request.method() == HttpMethod.CONNECT) { // HTTP/2's CONNECT has no path at all
        stats.rejected("method_not_allowed");
        HttpErrors.send(request.response(), 405, "method_not_allowed", "method " + echo(request.method().name())
            + " is not allowed: the gateway is not a proxy");
        return true;
      }
      return false;
    }
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
          || Character.digit(path.charAt(i + 2), 16) < 0) {
        stats.rejected("bad_encoding");
        REFUSED_LOG.warn("bad_encoding", "event=request_refused status=400 error=bad_encoding peer={} path=\"{}\"",
            peer(request), echo(path));
        HttpErrors.send(request.response(), 400, "bad_encoding", "the path has a malformed percent-encoding at "
            + "index " + i + ": " + echo(path));
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses an HTTP/2 request over the limits an HTTP/1.1 request is held to, which the HTTP/2 codec does not check
   * itself (it bounds the whole header list only): fields other than pseudo-headers over {@code maxHeaderBytes} as
   * HTTP/1.1 lines would take (name, {@code ": "}, value) get 431 {@code headers_too_large}, a {@code :method} and
   * {@code :path} longer than a request line of {@code maxLineBytes} 414 {@code uri_too_long}. The connection, whose
   * framing is not in doubt, stays open. Returns whether it refused.
   */
  static boolean refusedHttp2Head(HttpServerRequest request, GatewayStats stats, int maxHeaderBytes,
                                  int maxLineBytes) {
    if (request.version() != HttpVersion.HTTP_2) {
      return false;
    }
    int status;
    String code;
    String message;
    String uri = request.uri(); // none for a CONNECT
    long line = request.method().name().length() + 1L + (uri == null ? 0 : uri.length()) + " HTTP/1.1".length();
    if (line > maxLineBytes) {
      status = 414;
      code = "uri_too_long";
      message = "the :path is longer than the server accepts (see docs/operating.md, Limits)";
    } else if (fieldBytes(request) > maxHeaderBytes) {
      status = 431;
      code = "headers_too_large";
      message = "the request headers are larger than limits.max_header_bytes";
    } else {
      return false;
    }
    refusedBeforeRequest(stats, status, code, message, peer(request));
    HttpErrors.send(request.response(), status, code, message);
    return true;
  }

  /** The bytes of {@code request}'s fields other than pseudo-headers as HTTP/1.1 lines would take (no line ends). */
  private static long fieldBytes(HttpServerRequest request) {
    long bytes = 0;
    for (Map.Entry<String, String> field : request.headers()) {
      if (!field.getKey().startsWith(":")) {
        bytes += field.getKey().length() + 2L + field.getValue().length();
      }
    }
    return bytes;
  }

  /** The innermost message of a routing failure (vertx-web wraps decoding errors in a plain "Bad Request"). */
  private static String describe(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t.getCause() != null && depth < 5; depth++) {
      t = t.getCause();
    }
    return t.getMessage() == null ? "the request is malformed" : t.getMessage();
  }

  private static String peer(HttpServerRequest request) {
    try {
      return request.remoteAddress() == null ? "?" : request.remoteAddress().host();
    } catch (RuntimeException e) { // vertx-web's forwarded-header parser, on a request without a scheme
      return "?";
    }
  }

  /** Client text for a message or a log line: at most {@value #MAX_ECHO} characters, controls replaced. */
  static String echo(String text) {
    String cut = text.length() > MAX_ECHO ? text.substring(0, MAX_ECHO) + "..." : text;
    StringBuilder out = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      out.append(c < 0x20 || c == 0x7f || c == '"' ? '?' : c);
    }
    return out.toString();
  }
}
