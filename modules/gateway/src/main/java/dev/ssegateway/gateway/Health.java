package dev.ssegateway.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The node's health, as two sets of named checks: {@code GET /health/live} (the process runs and every
 * gateway event loop still runs its tasks) and {@code GET /health/ready} (a probe event went the whole
 * stream path on every instance within its deadline, event loops are not late, the node is in its cluster,
 * plus the checks others add, such as the config). 200 when every check passes, otherwise 503; the JSON body
 * names each check, whether it passes, why, and since when it fails. The checks read state kept by periodic
 * probes and timers, so a health request costs nothing and a zombie node cannot answer 200.
 */
public final class Health {

  private static final Logger LOG = LoggerFactory.getLogger(Health.class);

  private record Named(String name, HealthCheck check) {
  }

  private final String node;
  private final List<Named> live = new CopyOnWriteArrayList<>();
  private final List<Named> ready = new CopyOnWriteArrayList<>();
  private final Map<String, Long> failingSince = new ConcurrentHashMap<>();
  private final Map<String, Boolean> lastLogged = new ConcurrentHashMap<>();
  private volatile HealthProbe probe;

  Health(String node) {
    this.node = node;
  }

  /** The gateway's own checks: event loops (live), probe path, loop delay and cluster (ready). */
  static Health create(Vertx vertx, String node, FanOut fanOut, HealthOptions options) {
    Health h = new Health(node);
    h.addLivenessCheck("event_loops", now -> loopsRun(fanOut, options.getMaxLoopSilenceMs()));
    h.addReadinessCheck("fanout", now -> h.probe == null
        ? HealthCheck.Status.starting("starting: probe not started", -1) : h.probe.check(now));
    h.addReadinessCheck("event_loop_delay", now -> loopsOnTime(fanOut, options.getMaxLoopDelayMs()));
    h.addReadinessCheck("cluster", now -> inCluster(vertx, options.getClusterManager()));
    return h;
  }

  void probe(HealthProbe probe) {
    this.probe = probe;
  }

  HealthProbe probe() {
    return probe;
  }

  /** Adds a check to {@code /health/live}. */
  public Health addLivenessCheck(String name, HealthCheck check) {
    live.add(new Named(name, check));
    return this;
  }

  /** Adds a check to {@code /health/ready}. */
  public Health addReadinessCheck(String name, HealthCheck check) {
    ready.add(new Named(name, check));
    return this;
  }

  /** {@code /health/live} as JSON: {@code status} is {@code "up"} or {@code "down"}. */
  public JsonObject live() {
    return evaluate("live", live, "up", "down");
  }

  /** {@code /health/ready} as JSON: {@code status} is {@code "ready"} or {@code "not_ready"}. */
  public JsonObject ready() {
    return evaluate("ready", ready, "ready", "not_ready");
  }

  public boolean isReady() {
    return "ready".equals(ready().getString("status"));
  }

  public boolean isLive() {
    return "up".equals(live().getString("status"));
  }

  /** Mounts {@code GET /health/live} and {@code GET /health/ready}. */
  public void mount(Router router) {
    router.get("/health/live").handler(ctx -> send(ctx, live(), "up"));
    router.get("/health/ready").handler(ctx -> send(ctx, ready(), "ready"));
  }

  private static void send(RoutingContext ctx, JsonObject body, String good) {
    ctx.response()
        .setStatusCode(good.equals(body.getString("status")) ? 200 : 503)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  /** Evaluates both sets and logs each change of a check's outcome once. Runs with the probe, every interval. */
  void tick() {
    live();
    ready();
  }

  private JsonObject evaluate(String kind, List<Named> checks, String good, String bad) {
    long now = System.currentTimeMillis();
    JsonObject out = new JsonObject();
    JsonArray failed = new JsonArray();
    for (Named n : checks) {
      HealthCheck.Status s;
      try {
        s = n.check.check(now);
      } catch (RuntimeException e) {
        s = HealthCheck.Status.failing("check failed: " + e);
      }
      String key = kind + "." + n.name;
      JsonObject json = new JsonObject().put("ok", s.ok()).put("detail", s.reason());
      if (s.ok()) {
        failingSince.remove(key);
      } else {
        long since = s.sinceMs() >= 0 ? s.sinceMs() : failingSince.computeIfAbsent(key, k -> now);
        json.put("since", Instant.ofEpochMilli(since).toString()).put("failing_for_ms", Math.max(0, now - since));
        failed.add(n.name);
      }
      out.put(n.name, json);
      logChange(key, s);
    }
    return new JsonObject()
        .put("status", failed.isEmpty() ? good : bad)
        .put("node", node)
        .put("failed", failed)
        .put("checks", out);
  }

  /** A check that is only starting is not logged: its first real outcome is (a failure, or passing after a failure). */
  private void logChange(String key, HealthCheck.Status s) {
    if (s.starting()) {
      return;
    }
    Boolean before = lastLogged.put(key, s.ok());
    if (before == null ? !s.ok() : before != s.ok()) {
      if (s.ok()) {
        LOG.info("event=health_check_passing node={} check={} detail=\"{}\"", node, key, s.reason());
      } else {
        LOG.warn("event=health_check_failing node={} check={} reason=\"{}\"", node, key, s.reason());
      }
    }
  }

  private static HealthCheck.Status loopsRun(FanOut fanOut, long maxSilenceMs) {
    long now = System.nanoTime();
    LoopMonitor hub = fanOut.loop();
    if (hub != null) {
      long silentMs = hub.silenceNanos(now) / 1_000_000;
      if (silentMs > maxSilenceMs) {
        return HealthCheck.Status.failing("the fan-out event loop ran nothing for " + silentMs + " ms (limit "
            + maxSilenceMs + " ms)", System.currentTimeMillis() - silentMs + maxSilenceMs);
      }
    }
    List<Lane> lanes = fanOut.lanes();
    for (int i = 0; i < lanes.size(); i++) {
      long silentMs = lanes.get(i).loop().silenceNanos(now) / 1_000_000;
      if (silentMs > maxSilenceMs) {
        return HealthCheck.Status.failing("the event loop of instance " + i + " ran nothing for " + silentMs
            + " ms (limit " + maxSilenceMs + " ms)", System.currentTimeMillis() - silentMs + maxSilenceMs);
      }
    }
    return HealthCheck.Status.passing(lanes.size() + " event loops and the fan-out running");
  }

  private static HealthCheck.Status loopsOnTime(FanOut fanOut, long maxDelayMs) {
    long worst = worstLoopDelayNanos(fanOut) / 1_000_000;
    if (worst > maxDelayMs) {
      return HealthCheck.Status.failing("an event loop runs its tasks " + worst + " ms late (limit " + maxDelayMs
          + " ms)");
    }
    return HealthCheck.Status.passing("worst event loop delay " + worst + " ms");
  }

  /** Worst current event loop delay of the gateway's instances, in nanoseconds. */
  static long worstLoopDelayNanos(FanOut fanOut) {
    long now = System.nanoTime();
    long worst = 0;
    for (Lane lane : fanOut.lanes()) {
      worst = Math.max(worst, lane.loop().delayNanos(now));
    }
    return worst;
  }

  private static HealthCheck.Status inCluster(Vertx vertx, ClusterManager cm) {
    if (!vertx.isClustered()) {
      return HealthCheck.Status.passing("not clustered");
    }
    if (cm == null || !cm.isActive()) {
      return HealthCheck.Status.failing("the cluster manager is not active: this node is not in its cluster");
    }
    return HealthCheck.Status.passing("in cluster with " + cm.getNodes().size() + " nodes");
  }
}
