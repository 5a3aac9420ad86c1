package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin access from the allow-list {@code cors.allowed_origins} (comma-separated origins such as
 * {@code https://app.example.com}); with an empty list no CORS header is ever sent and browsers keep the
 * same-origin policy. Preflights ({@code OPTIONS}) for listed origins are answered here; other origins
 * get no {@code Access-Control-Allow-Origin} (vertx-web answers their preflight 403).
 */
final class Cors {

  private Cors() {
  }

  /** The configured origins, trimmed, empty entries dropped. */
  static List<String> origins(GatewaySettings settings) {
    return Arrays.stream(settings.get(GatewaySettings.CORS_ALLOWED_ORIGINS).split(","))
        .map(String::trim).filter(o -> !o.isEmpty()).toList();
  }

  /** Puts the CORS handler first on {@code router} when origins are configured. */
  static void mount(Router router, GatewaySettings settings) {
    List<String> origins = origins(settings);
    if (origins.isEmpty()) {
      return;
    }
    router.route().handler(CorsHandler.create()
        .addOrigins(origins)
        .allowCredentials(settings.get(GatewaySettings.CORS_ALLOW_CREDENTIALS))
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.OPTIONS))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Last-Event-ID", "Cache-Control"))
        .maxAgeSeconds(600));
  }
}
