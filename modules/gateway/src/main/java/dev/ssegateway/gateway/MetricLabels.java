package dev.ssegateway.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps every metric label a client can choose within a bounded set, so that no request can add series: an HTTP
 * method outside the standard ones is {@code OTHER}, a status code outside 100..599 is {@code OTHER}, and labels
 * that carry a path, route, address or topic keep their first {@value #MAX_VALUES} distinct values, later ones
 * becoming {@code OTHER}. The filters must be in place before the first meter is registered: the app creates its
 * registry here ({@link #metricsFactory()}).
 */
public final class MetricLabels {

  /** The label value that stands for every value outside the bounded set. */
  public static final String OTHER = "OTHER";
  /** Distinct values kept per open-ended label. */
  static final int MAX_VALUES = 100;
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
      "CONNECT", "TRACE");
  /** Labels whose values come from requests without a fixed vocabulary (Vert.x names and ours). */
  private static final Set<String> OPEN_ENDED = Set.of("path", "route", "address", "remote", "local", "topic");

  private MetricLabels() {
  }

  /** A Prometheus registry with the bounds in place. */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bound(registry);
    return registry;
  }

  /**
   * Vert.x metrics ({@code VertxBuilder#withMetrics}) in a {@link #newRegistry()} registry, each reset request
   * counted once ({@link ResetOnceMetrics}).
   */
  public static VertxMetricsFactory metricsFactory() {
    return ResetOnceMetrics.wrap(new MicrometerMetricsFactory(newRegistry()));
  }

  /** Adds the bounds to {@code registry}; call before any meter is registered. */
  public static void bound(MeterRegistry registry) {
    registry.config().meterFilter(MeterFilter.replaceTagValues("method", m -> METHODS.contains(m) ? m : OTHER));
    registry.config().meterFilter(MeterFilter.replaceTagValues("code", MetricLabels::statusCode));
    for (String label : OPEN_ENDED) {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      registry.config().meterFilter(MeterFilter.replaceTagValues(label, v -> firstValues(seen, v)));
    }
  }

  static String statusCode(String code) {
    if (code.length() == 3 && Character.isDigit(code.charAt(0)) && Character.isDigit(code.charAt(1))
        && Character.isDigit(code.charAt(2)) && code.charAt(0) >= '1' && code.charAt(0) <= '5') {
      return code;
    }
    return OTHER;
  }

  private static String firstValues(Set<String> seen, String value) {
    if (seen.contains(value)) {
      return value;
    }
    if (seen.size() < MAX_VALUES && value.length() <= 200) {
      seen.add(value);
      return value;
    }
    return OTHER;
  }
}
