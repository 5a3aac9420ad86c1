package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.TokenAuth;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A running gateway on one Vert.x node: the {@link FanOut} plus one {@link GatewayVerticle} per event
 * loop. This is how the app, and tests, start it.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final GatewayStats stats;
  private final int port;
  private final List<String> deployments;
  private final String node;
  private final FanOut fanOut;
  private final Health health;
  private final GatewayMetrics metrics;
  private final TokenAuth auth;
  private final LiveSettings live;
  /** Watches the TLS pair for renewals; null without TLS. */
  private CertificateReload certificates;

  private Gateway(Vertx vertx, GatewayStats stats, int port, List<String> deployments, String node, FanOut fanOut,
                  Health health, GatewayMetrics metrics, TokenAuth auth, LiveSettings live) {
    this.vertx = vertx;
    this.stats = stats;
    this.port = port;
    this.deployments = deployments;
    this.node = node;
    this.fanOut = fanOut;
    this.health = health;
    this.metrics = metrics;
    this.auth = auth;
    this.live = live;
  }

  /**
   * Deploys the gateway on live settings of its own, starting at {@code settings} ({@link #settings()} gives them, to
   * change them live). {@code node} names this node in {@code hello}.
   */
  public static Future<Gateway> deploy(Vertx vertx, GatewaySettings settings, String node, List<Routes> routes) {
    return deploy(vertx, settings, node, routes, new HealthOptions());
  }

  /**
   * Deploys the gateway with {@code /health/live}, {@code /health/ready} and {@code /metrics} checked and
   * measured as {@code healthOptions} say; its probe publisher makes readiness possible.
   */
  public static Future<Gateway> deploy(Vertx vertx, GatewaySettings settings, String node, List<Routes> extraRoutes,
                                       HealthOptions healthOptions) {
    return deploy(vertx, settings, node, extraRoutes, healthOptions, Seams.NONE);
  }

  /** As above, with the test {@code seams} built into the fan-out and every lane ({@link Seams#NONE}: none). */
  static Future<Gateway> deploy(Vertx vertx, GatewaySettings settings, String node, List<Routes> extraRoutes,
                                HealthOptions healthOptions, Seams seams) {
    return deploy(vertx, LiveSettings.create(settings), node, extraRoutes, healthOptions, seams, null);
  }

  /**
   * Deploys the gateway on the node's settings {@code live} (the app's {@code NodeServices} hold them; the config
   * verticle writes them), which every part of it is handed at construction: nothing is looked up later.
   */
  public static Future<Gateway> deploy(Vertx vertx, LiveSettings live, String node, List<Routes> extraRoutes,
                                       HealthOptions healthOptions) {
    return deploy(vertx, live, node, extraRoutes, healthOptions, Seams.NONE, null);
  }

  /**
   * As above, checking tokens with the node's {@code auth} (the app loads it once, {@link TokenAuth#load}, and hands
   * the same instance to the routes it builds): the events and admin routes use it, none looks it up.
   */
  public static Future<Gateway> deploy(Vertx vertx, LiveSettings live, String node, List<Routes> extraRoutes,
                                       HealthOptions healthOptions, TokenAuth auth) {
    return deploy(vertx, live, node, extraRoutes, healthOptions, Seams.NONE,
        java.util.Objects.requireNonNull(auth, "auth"));
  }

  /** With {@code auth} null, the node's TokenAuth is loaded here ({@link TokenAuth#load}). */
  private static Future<Gateway> deploy(Vertx vertx, LiveSettings live, String node, List<Routes> extraRoutes,
                                        HealthOptions healthOptions, Seams seams, TokenAuth auth) {
    if (vertx.isClustered() && healthOptions.getClusterManager() == null) {
      return Future.failedFuture(new IllegalArgumentException(
          "a clustered gateway needs its cluster manager: HealthOptions.setClusterManager"));
    }
    GatewaySettings current = live.current();
    GatewayStats stats = new GatewayStats();
    FanOut fanOut = new FanOut(stats, live, seams);
    HealthOptions options = new HealthOptions(healthOptions);
    Health health = Health.create(vertx, node, fanOut, options);
    GatewayMetrics metrics = GatewayMetrics.create(vertx);
    metrics.bind(live, stats, fanOut, health);
    List<Routes> routes = new ArrayList<>();
    WebRoot webRoot = WebRoot.create(current);
    int configured = current.get(GatewaySettings.HTTP_INSTANCES);
    int instances = configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    List<String> ids = new ArrayList<>();
    java.util.Set<Integer> ports = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<GatewayVerticle> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicReference<TokenAuth> tokenAuth = new java.util.concurrent.atomic.AtomicReference<>();
    int port = current.get(GatewaySettings.HTTP_PORT);
    return (auth != null ? Future.succeededFuture(auth) : TokenAuth.load(vertx, current))
        .compose(loaded -> {
          tokenAuth.set(loaded);
          metrics.bindAuth(loaded);
          if (loaded.jwks() != null) {
            health.addReadinessCheck("jwks", now -> jwksCheck(loaded.jwks(), now));
          }
          routes.add(health::mount);
          routes.add(metrics::mount);
          routes.add(AdminStatsHandler.create(node, stats, live, loaded)::mount);
          routes.addAll(extraRoutes);
          routes.add(webRoot::mount); // last: GET of any path no other route takes
          return webRoot.check(vertx);
        })
        .compose(v -> vertx.deployVerticle(fanOut))
        .compose(id -> {
          ids.add(id);
          // Instances listening on the same host and port share one server socket; with port 0 they
          // share one random port.
          return vertx.deployVerticle(() -> {
            GatewayVerticle server = new GatewayVerticle(fanOut, stats, live, node, port, routes, ports, seams,
                tokenAuth.get());
            servers.add(server);
            return server;
          }, new DeploymentOptions().setInstances(instances));
        })
        .compose(id -> {
          ids.add(id);
          if (ports.size() != 1) {
            return vertx.undeploy(id).transform(x -> Future.<String>failedFuture(
                "gateway instances listen on different ports " + ports));
          }
          HealthProbe probe = new HealthProbe(node, fanOut, options, health);
          health.probe(probe);
          return vertx.deployVerticle(probe);
        })
        .compose(id -> {
          ids.add(id);
          int actual = ports.iterator().next();
          LOG.info("event=gateway_started node={} host={} port={} instances={} heartbeat_ms={}", node,
              current.get(GatewaySettings.HTTP_HOST), actual, instances, current.heartbeatMs());
          Gateway gateway = new Gateway(vertx, stats, actual, ids, node, fanOut, health, metrics, tokenAuth.get(),
              live);
          String certFile = current.get(GatewaySettings.TLS_CERT_FILE);
          if (certFile.isEmpty()) {
            return Future.succeededFuture(gateway);
          }
          return CertificateReload.start(vertx, certFile, current.get(GatewaySettings.TLS_KEY_FILE), servers,
              current.get(GatewaySettings.TLS_WATCH_MS)).map(reload -> {
                gateway.certificates = reload;
                metrics.bindCertificates(reload);
                return gateway;
              });
        });
  }

  /**
   * The JWKS as {@code /health/ready} shows it: ready once a key set is cached, and still ready (the detail says the
   * endpoint is failing and since when) while the endpoint is down, since the cached keys keep verifying tokens.
   */
  static HealthCheck.Status jwksCheck(dev.ssegateway.core.JwksKeys jwks, long now) {
    int keys = jwks.keyCount();
    long failingSince = jwks.failingSinceMs();
    if (keys == 0) {
      return HealthCheck.Status.failing("no key set yet from " + jwks.url()
          + (jwks.lastError() == null ? "" : ": " + jwks.lastError()), failingSince);
    }
    if (failingSince >= 0) {
      return HealthCheck.Status.passing("serving " + keys + " cached keys; the endpoint is failing since "
          + java.time.Instant.ofEpochMilli(failingSince) + ": " + jwks.lastError());
    }
    return HealthCheck.Status.passing(keys + " keys, fetched " + Math.max(0, now - jwks.lastSuccessMs()) + " ms ago");
  }

  /** Deploys with one instance per core and no extra routes. */
  public static Future<Gateway> deploy(Vertx vertx, GatewaySettings settings, String node) {
    return deploy(vertx, settings, node, List.of());
  }

  public int port() {
    return port;
  }

  public GatewayStats stats() {
    return stats;
  }

  /** The node's health checks; others add theirs ({@link Health#addReadinessCheck}). */
  public Health health() {
    return health;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /**
   * The settings this gateway runs on (given to {@link #deploy} or made by it from the {@code GatewaySettings} given):
   * {@link LiveSettings#apply} changes them live, as the config verticle does.
   */
  public LiveSettings settings() {
    return live;
  }

  /** The TokenAuth this gateway checks tokens with (given to {@link #deploy} or loaded by it). */
  public TokenAuth auth() {
    return auth;
  }

  /**
   * Subscribes this node's fan-out to the events address again (see {@link FanOut#resubscribe}): for a node whose
   * subscription the cluster lost.
   */
  public Future<Void> resubscribe() {
    return fanOut.resubscribe();
  }

  /** The lanes of the running instances (tests look at their probes). */
  List<Lane> fanOutLanes() {
    return fanOut.lanes();
  }

  /** The fan-out's context: tests block it to show that {@code /health/live} sees a stuck loop. */
  io.vertx.core.Context fanOutContext() {
    return fanOut.context();
  }

  /** The TLS pair watch, null without TLS (tests). */
  CertificateReload certificates() {
    return certificates;
  }

  /**
   * Ends every stream (clients are told to retry) and undeploys the fan-out, the gateway instances and the probe, all
   * at once: no step waits for another (each instance's stop ends its own streams and drains its writes).
   */
  public Future<Void> close() {
    if (certificates != null) {
      certificates.stop();
    }
    List<Future<Void>> all = new ArrayList<>();
    for (String id : deployments) {
      all.add(vertx.undeploy(id));
    }
    return Future.all(all).<Void>mapEmpty().onComplete(ar -> LOG.info("event=gateway_stopped node={} port={}",
        node, port));
  }
}
