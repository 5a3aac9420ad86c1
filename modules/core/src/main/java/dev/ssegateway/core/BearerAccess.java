package dev.ssegateway.core;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * Access to a privileged endpoint: with a token configured, the request must carry
 * {@code Authorization: Bearer <token>} (compared in constant time, {@link #matches}; {@link TokenAuth} checks it);
 * with none, only loopback peers are served ({@link #loopbackAllowed}), and only requests that cannot come from a web page borrowing that trust: the {@code Host}
 * must be a loopback name ({@code localhost}, 127.0.0.0/8, ::1, any port) or one listed in
 * {@code http.allowed_hosts} (defeats DNS rebinding), and an {@code Origin}, when sent, must be the
 * request's own origin or listed exactly in {@code cors.allowed_origins} (a {@code *} entry does not count;
 * defeats form posts and {@code fetch} from other sites). Refusals are 401 (no or wrong token) or 403 (not
 * loopback, {@code untrusted_host}, {@code untrusted_origin}), with a JSON body.
 */
public final class BearerAccess {

  private BearerAccess() {
  }

  /**
   * For a privileged endpoint with no credential configured ({@code key} names the setting that would hold one):
   * true when the request comes from loopback and no web page can have sent it; otherwise the refusal has been sent.
   */
  public static boolean loopbackAllowed(HttpServerRequest request, HttpServerResponse response, String key,
                                        GatewaySettings settings) {
    if (!isLoopback(request.remoteAddress())) {
      HttpErrors.send(response, 403, "forbidden", "no " + key + " is configured, so only loopback clients are served");
      return false;
    }
    String host = request.getHeader("Host");
    if (!trustedHost(host, settings)) {
      HttpErrors.send(response, 403, "untrusted_host", "no " + key + " is configured, so only requests to a "
          + "loopback name are served, and Host '" + Topics.printable(host == null ? "" : host)
          + "' is neither localhost, a loopback address nor listed in " + GatewaySettings.HTTP_ALLOWED_HOSTS.key());
      return false;
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !trustedOrigin(origin, host, request.isSSL(), settings)) {
      HttpErrors.send(response, 403, "untrusted_origin", "no " + key + " is configured, so a request from a web "
          + "page is served only from this gateway's own origin or one listed in "
          + GatewaySettings.CORS_ALLOWED_ORIGINS.key() + ", and Origin '" + Topics.printable(origin) + "' is neither");
      return false;
    }
    return true;
  }

  /**
   * Whether a {@code Host} header names this machine's loopback interface ({@code localhost}, an address in
   * 127.0.0.0/8 or ::1, with or without a port) or a name in {@code http.allowed_hosts}. Names are compared,
   * never resolved.
   */
  static boolean trustedHost(String hostHeader, GatewaySettings settings) {
    if (hostHeader == null || hostHeader.isEmpty()) {
      return false;
    }
    String host = hostHeader.trim();
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      if (end < 0 || !(end == host.length() - 1 || host.charAt(end + 1) == ':')) {
        return false;
      }
      host = host.substring(1, end);
    } else {
      int colon = host.indexOf(':');
      if (colon >= 0) {
        if (host.indexOf(':', colon + 1) >= 0) {
          return false; // an IPv6 literal must be in brackets
        }
        host = host.substring(0, colon);
      }
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (name.equals("localhost")) {
      return true;
    }
    // literals only: NetUtil never resolves a name
    byte[] address = NetUtil.createByteArrayFromIpAddressString(name);
    if (address != null) {
      try {
        return InetAddress.getByAddress(address).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return settings.list(GatewaySettings.HTTP_ALLOWED_HOSTS).stream().anyMatch(name::equalsIgnoreCase);
  }

  /** Whether an {@code Origin} is the request's own ({@code scheme://Host}) or listed exactly in the CORS list. */
  static boolean trustedOrigin(String origin, String hostHeader, boolean ssl, GatewaySettings settings) {
    if (hostHeader != null && origin.equalsIgnoreCase((ssl ? "https://" : "http://") + hostHeader.trim())) {
      return true;
    }
    return settings.list(GatewaySettings.CORS_ALLOWED_ORIGINS).stream()
        .anyMatch(listed -> !listed.equals("*") && listed.equalsIgnoreCase(origin));
  }

  /** Whether {@code given} equals {@code token}, compared in constant time. */
  public static boolean matches(String given, String token) {
    return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  public static boolean isLoopback(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
