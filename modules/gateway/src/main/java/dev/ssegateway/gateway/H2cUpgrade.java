package dev.ssegateway.gateway;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Settings;

import java.util.Base64;
import java.util.List;

/**
 * The {@code Upgrade: h2c} of an HTTP/1.1 request is served (101, then HTTP/2) when it can be, and otherwise declined:
 * the request is answered over HTTP/1.1 as if it had not asked (RFC 9110 section 7.8 lets a server ignore an
 * {@code Upgrade}; RFC 7540 section 3.2.1 forbids upgrading without exactly one {@code HTTP2-Settings}). Vert.x
 * would answer such a request with an empty 400 and leave the connection open. It cannot be served when
 * {@code Connection} (its first field, as Vert.x reads it) does not name both {@code Upgrade} and
 * {@code HTTP2-Settings}, or when there is not exactly one {@code HTTP2-Settings} holding base64url-encoded SETTINGS
 * that HTTP/2 allows. Only the first request of a connection is looked at ({@link VertxInternals}): later ones are
 * HTTP/1.1 for good.
 */
final class H2cUpgrade {

  private static final String SETTINGS_HEADER = "HTTP2-Settings";

  private H2cUpgrade() {
  }

  /**
   * Removes the {@code Upgrade} header of {@code request}, which asks for h2c, when the upgrade cannot be served, or
   * when the request itself is refused (it could not be decoded): that one gets its refusal over HTTP/1.1.
   */
  static void declineUnservable(HttpRequest request) {
    if (request.decoderResult().isFailure() || problem(request.headers()) != null) {
      request.headers().remove(HttpHeaderNames.UPGRADE);
    }
  }

  /** Why an upgrade to h2c asked with {@code headers} cannot be served, or null when it can. */
  static String problem(HttpHeaders headers) {
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    boolean upgrade = false;
    boolean settings = false;
    if (connection != null) {
      for (String token : connection.split(",", -1)) {
        String name = token.replace(" ", ""); // Vert.x drops spaces only
        upgrade |= name.equalsIgnoreCase("upgrade");
        settings |= name.equalsIgnoreCase(SETTINGS_HEADER);
      }
    }
    if (!upgrade || !settings) {
      return "Connection does not name both Upgrade and HTTP2-Settings";
    }
    List<String> values = headers.getAll(SETTINGS_HEADER);
    if (values.size() != 1) {
      return values.size() + " HTTP2-Settings headers";
    }
    return settingsProblem(values.get(0));
  }

  /** Why {@code value} is not an {@code HTTP2-Settings} value HTTP/2 accepts, or null. */
  static String settingsProblem(String value) {
    byte[] payload;
    try {
      payload = Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      return "HTTP2-Settings is not base64url";
    }
    if (payload.length % 6 != 0) {
      return "HTTP2-Settings is not a whole number of settings";
    }
    Http2Settings settings = new Http2Settings();
    for (int i = 0; i < payload.length; i += 6) {
      char id = (char) (((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff));
      long v = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xffL) << 16) | ((payload[i + 4] & 0xffL) << 8)
          | (payload[i + 5] & 0xffL);
      try {
        settings.put(id, Long.valueOf(v)); // Netty's range check, the one Vert.x applies
      } catch (IllegalArgumentException e) {
        return "HTTP2-Settings holds a value out of range: " + HttpRefusals.echo(String.valueOf(e.getMessage()));
      }
    }
    return null;
  }
}
