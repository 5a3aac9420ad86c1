package dev.ssegateway.app;

import dev.ssegateway.config.AdminConfigHandler;
import dev.ssegateway.config.ConfigStatus;
import dev.ssegateway.config.ConfigVerticle;
import dev.ssegateway.config.EnvOverrides;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.PublisherEntry;
import dev.ssegateway.core.TokenAuth;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.gateway.HealthOptions;
import dev.ssegateway.gateway.Routes;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.GatewayRole;
import dev.ssegateway.publisher.HighWaterUnknownException;
import dev.ssegateway.publisher.IngestPublisher;
import dev.ssegateway.publisher.OriginClaim;
import dev.ssegateway.publisher.TickerPublisher;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wires one node from its conf: validated settings (the file, overridden by {@code SSE_GATEWAY_*}
 * environment variables), the config verticle that watches the file, this node's publisher (origin),
 * the gateway with the ingest and admin routes, and the ticker when enabled. A failure of any part
 * fails the deployment with its cause, and the launcher exits non-zero.
 *
 * <p>In a cluster the node first claims its {@code node_id} ({@link OriginClaim}): when a live member holds
 * it, the node logs one {@code event=node_id_taken} line naming the holder and fails before its HTTP server
 * listens.
 */
public final class AppVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AppVerticle.class);

  private final ClusterManager clusterManager;
  private final Clock clock;
  private Gateway gateway;
  private EventPublisher publisher;
  private String nodeName;
  private volatile boolean stopping;
  /** In a cluster: the consumer answering {@link BusAddresses#originSeq} for this node. */
  private MessageConsumer<String> originSeqAnswers;

  /** A node that is not clustered, on the system clock. */
  public AppVerticle() {
    this(null, Clock.systemUTC());
  }

  /**
   * A node of the cluster that {@code clusterManager} joins (null: not clustered), whose sequences start from
   * {@code clock}.
   */
  public AppVerticle(ClusterManager clusterManager, Clock clock) {
    this.clusterManager = clusterManager;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    UncaughtErrors errors = UncaughtErrors.install(vertx);
    Map<String, String> env = System.getenv();
    EnvOverrides overrides = EnvOverrides.from(env);
    GatewaySettings settings;
    try {
      settings = overrides.settings(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    logOverrides(overrides);
    String node = settings.nodeId(EventPublisher.randomName());
    nodeName = node;
    if (config().fieldNames().stream().allMatch(k -> k.startsWith("_"))) {
      LOG.info("event=config_defaults node={} node_id={} env_overrides={} message=\"no -conf given, or it sets "
          + "nothing: running on the default settings; see conf/conf.json\"", node,
          settings.get(GatewaySettings.NODE_ID).isEmpty() ? "random" : "set", overrides.variables().size());
    }
    LiveSettings live = LiveSettings.create(settings);
    if (clusterManager != null && !GatewayRole.announced(clusterManager.getNodeInfo())) {
      return Future.failedFuture(new StartupFailure("this clustered Vert.x does not announce a gateway in its cluster "
          + "node info: build it with GatewayRole.announce(eventBusOptions) before deploying the gateway (a joining "
          + "origin must not read this gateway's missing answer as 'seen nothing'; docs/cluster.md 'Sequences across "
          + "restarts')"));
    }
    return answerOriginSeq()
        .compose(v -> EventPublisher.join(vertx, clusterManager, node, clock, () -> live.current().maxEventBytes()))
        .onFailure(e -> {
          if (e instanceof OriginClaim.TakenException taken) {
            LOG.error("event=node_id_taken node={} holder=\"{}\" message=\"{}\"", node, taken.holder(),
                taken.getMessage());
          } else if (e instanceof HighWaterUnknownException unknown) {
            LOG.error("event=origin_seq_unknown node={} member={} message=\"{}\"", node, unknown.member(),
                unknown.getMessage());
          }
        })
        .compose(p -> {
          publisher = p;
          // once, before any route is built: a bad key fails the start here, naming the key
          return TokenAuth.load(vertx, settings);
        })
        .compose(auth -> startNode(NodeServices.create(node, live, errors, publisher, auth), env, settings));
  }

  /**
   * In a cluster: answers other members' "highest seq you have seen from origin X" (a (re)joining origin asks
   * every member, {@code EventPublisher.join}) from this node's fan-out. Registered cluster-wide before this
   * node's gateway takes its first event; a fan-out not started yet has seen nothing (0).
   */
  private Future<Void> answerOriginSeq() {
    if (clusterManager == null) {
      return Future.succeededFuture();
    }
    MessageConsumer<String> old = originSeqAnswers;
    MessageConsumer<String> fresh = vertx.eventBus().<String>consumer(BusAddresses.originSeq(
        clusterManager.getNodeId()), m ->
        vertx.eventBus().<Long>request(BusAddresses.ORIGIN_SEQ_LOCAL, m.body()).onComplete(ar -> {
          if (ar.succeeded()) {
            m.reply(ar.result().body());
          } else if (ar.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
            m.reply(0L);
          } else {
            m.fail(500, ar.cause().toString());
          }
        }));
    // a re-subscription (SubscriptionWatch) drops the old consumer once the new one is known to the cluster
    return fresh.completion().compose(v -> {
      originSeqAnswers = fresh;
      return old == null ? Future.succeededFuture() : old.unregister();
    });
  }

  private Future<?> startNode(NodeServices services, Map<String, String> env, GatewaySettings settings) {
    ConfigStatus configStatus = services.config();
    EventPublisher publisher = services.publisher();
    List<Routes> routes = new ArrayList<>();
    routes.add(AdminConfigHandler.create(configStatus, services.auth())::mount);
    boolean jwt = TokenAuth.jwtConfigured(settings);
    if (settings.get(GatewaySettings.ADMIN_TOKEN).isEmpty() && !jwt) {
      LOG.warn("event=admin_open_to_loopback message=\"admin.token is empty: only loopback clients may use /admin\"");
    }
    if (settings.get(GatewaySettings.INGEST_ENABLED)) {
      IngestPublisher ingest = IngestPublisher.create(publisher, services.settings(), services.auth());
      routes.add(router -> router.post("/publish/:topic").handler(ingest));
      if (settings.get(GatewaySettings.INGEST_TOKEN).isEmpty() && !jwt) {
        LOG.warn("event=ingest_open_to_loopback message=\"ingest.token is empty: only loopback clients may publish\"");
      }
    }
    JsonObject configVerticleConf = new JsonObject()
        .put(ConfigVerticle.CONF_FILE_KEY, config().getString(GatewayLauncher.CONF_FILE_KEY));
    return vertx.deployVerticle(new ConfigVerticle(configStatus, env), new DeploymentOptions().setConfig(configVerticleConf))
        .compose(id -> Gateway.deploy(vertx, services.settings(), publisher.origin(), routes,
            new HealthOptions().setProbePublisher(publisher::publishProbe).setClusterManager(clusterManager),
            services.auth())
            .recover(e -> Future.failedFuture(bindProblem(e) != null ? new StartupFailure("cannot listen on "
                + settings.get(GatewaySettings.HTTP_HOST) + ":" + settings.get(GatewaySettings.HTTP_PORT) + ": "
                + bindProblem(e) + " (http.host/http.port)") : e)))
        .compose(g -> {
          gateway = g;
          NodeMonitoring.install(clusterManager, g, services);
          if (clusterManager != null) {
            SubscriptionWatch.start(vertx, clusterManager, Map.of(BusAddresses.EVENTS, g::resubscribe,
                BusAddresses.originSeq(clusterManager.getNodeId()), this::answerOriginSeq));
          }
          return Publishers.deploy(vertx, PublisherEntry.from(settings.get(GatewaySettings.PUBLISHERS)));
        })
        .compose(ids -> {
          if (!settings.get(GatewaySettings.TICKER_ENABLED)) {
            return Future.succeededFuture();
          }
          return vertx.deployVerticle(new TickerPublisher(settings.get(GatewaySettings.TICKER_TOPIC),
              settings.get(GatewaySettings.TICKER_INTERVAL_MS)))
              .onFailure(e -> LOG.error("event=publisher_failed publisher=ticker cause=\"{}\"", e.toString()));
        })
        // nothing half-started: a failure once the gateway serves (a publisher) stops the gateway before failing
        .recover(e -> gateway == null ? Future.failedFuture(e) : gateway.close().transform(x -> {
          gateway = null;
          return Future.failedFuture(e);
        }))
        .onSuccess(v -> LOG.info("event=node_ready node={} port={}", services.node(), gateway.port()));
  }

  /**
   * Stops this node's gateway before Vert.x undeploys the rest (the launcher calls it on shutdown): logs
   * {@code event=node_stopping}, then every stream ends with a jittered {@code retry:}, writes drain up to
   * {@code shutdown.drain_ms}, and the gateway logs {@code event=gateway_stopped}. Idempotent.
   */
  public Future<Void> shutdown() {
    if (gateway == null || stopping) {
      return Future.succeededFuture();
    }
    stopping = true;
    LOG.info("event=node_stopping node={}", nodeName);
    return gateway.close();
  }

  @Override
  public Future<?> stop() {
    if (!stopping) {
      LOG.info("event=node_stopping node={}", nodeName);
    }
    return publisher == null ? Future.succeededFuture() : publisher.release()
        .timeout(5, java.util.concurrent.TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
  }

  private static void logOverrides(EnvOverrides overrides) {
    overrides.variables().forEach((key, variable) ->
        LOG.info("event=config_env_override key={} variable={}", key, variable));
    overrides.unknown().forEach(variable ->
        LOG.warn("event=config_env_ignored variable={} reason=\"names no setting; see EnvOverrides\"", variable));
  }

  /**
   * A startup failure already explained by its message, one line naming what to change: the launcher prints it
   * and exits 1 without a stack trace.
   */
  public static final class StartupFailure extends RuntimeException {
    StartupFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** The running gateway (for tests that deploy this verticle). */
  public Gateway gateway() {
    return gateway;
  }

  /**
   * Why the HTTP server could not bind, or null when {@code e} is not a bind failure: the JDK's {@link BindException}
   * (NIO), or the native transport's I/O error for a port in use ({@code bind(..) failed with error(-98)}).
   */
  static String bindProblem(Throwable e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (e instanceof BindException) {
      return message;
    }
    return e instanceof java.io.IOException && message.contains("address already in use") ? "address already in use" : null;
  }
}
