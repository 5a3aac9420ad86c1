package dev.ssegateway.core;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Access to a privileged endpoint: with a token configured, the request must carry
 * {@code Authorization: Bearer <token>} (compared in constant time); with none, only loopback peers
 * are served. Refusals are 401 (no or wrong token) or 403 (not loopback), with a JSON body.
 */
public final class BearerAccess {

  private BearerAccess() {
  }

  /** True when the request may proceed; otherwise the response has been sent. */
  public static boolean allowed(HttpServerRequest request, HttpServerResponse response, String token, String key) {
    if (token == null || token.isEmpty()) {
      if (isLoopback(request.remoteAddress())) {
        return true;
      }
      HttpErrors.send(response, 403, "forbidden", "no " + key + " is configured, so only loopback clients are served");
      return false;
    }
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
      if (MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8))) {
        return true;
      }
    }
    response.putHeader("WWW-Authenticate", "Bearer");
    HttpErrors.send(response, 401, "unauthorized", header == null
        ? "missing Authorization: Bearer <" + key + ">" : "the bearer token does not match " + key);
    return false;
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
