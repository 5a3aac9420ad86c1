package dev.ssegateway.gateway;

import dev.ssegateway.core.AuthRefusals;
import dev.ssegateway.core.JwksKeys;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.TokenAuth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics at {@code GET /metrics}: the {@link GatewayStats} counters, bound (not
 * copied) as {@code sse_*} series, the publish-to-write latency and event loop delay histograms, and the health
 * state. When Vert.x runs with Micrometer metrics enabled (the app does), the series share Vert.x's own
 * registry, so its HTTP server and event bus metrics are scraped from the same endpoint. Names follow
 * Prometheus conventions; docs/operating.md, "Metrics", lists every series.
 */
public final class GatewayMetrics {

  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};
  private static final String[] TOPIC_BUCKETS = {"1", "2-4", "5+"};

  private final PrometheusMeterRegistry registry;

  private GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Vert.x's Prometheus registry when Vert.x metrics are enabled with Prometheus (its labels bounded when it comes from
   * {@link MetricLabels#metricsFactory()}, as in the app), else a registry of its own with bounded labels.
   */
  static GatewayMetrics create(Vertx vertx) {
    if (vertx.isMetricsEnabled() && BackendRegistries.getDefaultNow() instanceof PrometheusMeterRegistry shared) {
      return new GatewayMetrics(shared);
    }
    return new GatewayMetrics(MetricLabels.newRegistry());
  }

  /** Where more series can be registered (the app adds config reloads and publisher failures). */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every series, as {@code GET /metrics} answers. */
  public String scrape() {
    return registry.scrape();
  }

  /** Mounts {@code GET /metrics}. */
  public void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
  }

  void bind(LiveSettings live, GatewayStats stats, FanOut fanOut, Health health) {
    MeterRegistry r = registry;
    for (int i = 0; i < TOPIC_BUCKETS.length; i++) {
      int bucket = i;
      Gauge.builder("sse.open.streams", stats, s -> s.liveStreams(bucket))
          .description("Open SSE streams, by how many topics each follows")
          .tag("topics", TOPIC_BUCKETS[i]).register(r);
    }
    Gauge.builder("sse.open.streams.by.protocol", stats, s -> Math.max(0, s.openStreams() - s.http2Streams.sum()))
        .description("Open SSE streams, by HTTP version").tag("protocol", "http1").register(r);
    Gauge.builder("sse.open.streams.by.protocol", stats, s -> s.http2Streams.sum())
        .description("Open SSE streams, by HTTP version").tag("protocol", "http2").register(r);
    counter(r, "sse.streams.opened", "Streams accepted (reconnects included)", stats, s -> s.streamsOpened.sum());
    Gauge.builder("sse.open.connections", stats, s -> s.openConnections.get())
        .description("Open HTTP connections, streams included, counted from accept").register(r);
    counter(r, "sse.events.received", "Events taken from the event bus (health probes not included)", stats,
        s -> s.eventsReceived.sum());
    counter(r, "sse.health.probes.received", "Health probe events taken from the event bus", stats,
        s -> s.probesReceived.sum());
    counter(r, "sse.events.written", "Event frames written to streams (one per event per stream)", stats,
        s -> s.deliveries.sum());
    FunctionCounter.builder("sse.events.written.bytes", stats, s -> s.eventBytesWritten.sum())
        .description("Bytes of event frames written to streams").baseUnit("bytes").register(r);
    counter(r, "sse.heartbeats.sent", "Heartbeat frames written", stats, s -> s.heartbeatsSent.sum());
    counter(r, "sse.replays", "Resume requests served (streams opened with Last-Event-ID)", stats,
        s -> s.replays.sum());
    counter(r, "sse.replayed.events", "Events replayed from history to resuming streams", stats,
        s -> s.replayedEvents.sum());
    counter(r, "sse.resets", "Resumes that could not be served exactly (a reset event was sent)", stats,
        s -> s.resets.sum());
    counter(r, "sse.origin.gaps", "Jumps in an origin's sequence that were not a restart (events lost on the way "
        + "here; live streams got a reset)", stats, s -> s.originGaps.sum());
    counter(r, "sse.slow.consumers.cut", "Streams cut because the client did not keep up", stats,
        s -> s.slowConsumersCut.sum());
    counter(r, "sse.streams.expired", "Streams ended because their JWT expired (an expired event was sent)", stats,
        s -> s.streamsExpired.sum());
    counter(r, "sse.duplicates.ignored", "Bus events ignored because this node already had them", stats,
        s -> s.duplicatesIgnored.sum());
    stats.droppedByReason.forEachReason(reason -> FunctionCounter.builder("sse.events.dropped", stats,
            s -> s.droppedFor(reason))
        .description("Events not delivered as published, by reason").tag("reason", reason).register(r));
    stats.rejectedByReason.forEachReason(reason -> FunctionCounter.builder("sse.requests.rejected", stats,
            s -> s.rejectedByReason.count(reason))
        .description("Requests refused with an error status, by error code").tag("reason", reason).register(r));
    Gauge.builder("sse.history.bytes", stats, s -> s.historyBytes.get())
        .description("Approximate memory, heap and off-heap, held by the topic histories").baseUnit("bytes")
        .register(r);
    Gauge.builder("sse.history.events", stats, s -> s.historyEvents.get())
        .description("Events retained in the topic histories").register(r);
    Gauge.builder("sse.lane.backlog", stats, s -> s.laneBacklog.sum())
        .description("Events and stream starts queued for the event loops, not yet written: alert when it grows")
        .register(r);
    Gauge.builder("sse.heartbeat.interval", live, l -> l.current().heartbeatMs() / 1000.0)
        .description("Current heartbeat interval (the heartbeat_ms setting)").baseUnit("seconds").register(r);
    Timer latency = Timer.builder("sse.publish.to.write.latency")
        .description("From publication at the origin to the write of the event on a gateway instance "
            + "(one sample per event per instance with subscribers)")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(r);
    Timer loopDelay = Timer.builder("sse.event.loop.delay")
        .description("How late the gateway's event loops ran a timer, sampled every 100 ms per loop")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(r);
    stats.observe(ms -> latency.record(Math.max(0, ms), TimeUnit.MILLISECONDS),
        ns -> loopDelay.record(ns, TimeUnit.NANOSECONDS));
    Gauge.builder("sse.event.loop.delay.current", fanOut, f -> Health.worstLoopDelayNanos(f) / 1e9)
        .description("Worst current delay of the gateway's event loops").baseUnit("seconds").register(r);
    Gauge.builder("sse.health.ready", health, h -> h.isReady() ? 1 : 0)
        .description("1 when /health/ready answers 200").register(r);
    Gauge.builder("sse.health.live", health, h -> h.isLive() ? 1 : 0)
        .description("1 when /health/live answers 200").register(r);
    Gauge.builder("sse.health.probe.age", health, h -> h.probe() == null ? 0
            : h.probe().oldestUnwrittenAgeMs(System.currentTimeMillis()) / 1000.0)
        .description("Age of the oldest health probe not yet written by every instance; 0 when all are")
        .baseUnit("seconds").register(r);
  }

  /** Refused credentials by reason and, with a JWKS, its fetches by outcome: both label sets are fixed lists. */
  void bindAuth(TokenAuth auth) {
    MeterRegistry r = registry();
    for (String reason : AuthRefusals.REASONS) {
      FunctionCounter.builder("sse.auth.refused", auth, a -> a.refusals().total(reason))
          .description("Credentials refused (401/403/503 on publish, subscribe, admin), by reason").tag("reason", reason)
          .register(r);
    }
    JwksKeys jwks = auth.jwks();
    if (jwks != null) {
      for (String result : JwksKeys.RESULTS) {
        FunctionCounter.builder("sse.auth.jwks.fetches", jwks, k -> k.fetches(result))
            .description("Fetches of auth.jwks_url, by outcome").tag("result", result).register(r);
      }
      Gauge.builder("sse.auth.jwks.keys", jwks, JwksKeys::keyCount)
          .description("Signing keys in the cached JWKS").register(r);
    }
  }

  /** Renewed TLS pairs loaded and refused ({@link CertificateReload}). */
  void bindCertificates(CertificateReload reload) {
    MeterRegistry r = registry();
    FunctionCounter.builder("sse.tls.reloads", reload, CertificateReload::reloads)
        .description("Renewed tls.cert_file/tls.key_file pairs, by outcome").tag("result", "loaded").register(r);
    FunctionCounter.builder("sse.tls.reloads", reload, CertificateReload::refusals)
        .description("Renewed tls.cert_file/tls.key_file pairs, by outcome").tag("result", "refused").register(r);
  }

  private static <T> void counter(MeterRegistry r, String name, String description, T obj, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, obj, f).description(description).register(r);
  }
}
