package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

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

  private Gateway(Vertx vertx, GatewayStats stats, int port, List<String> deployments) {
    this.vertx = vertx;
    this.stats = stats;
    this.port = port;
    this.deployments = deployments;
  }

  /**
   * Deploys the gateway with the node's live settings (initialised to {@code settings} if this node has
   * none yet). {@code node} names this node in {@code hello}.
   */
  public static Future<Gateway> deploy(Vertx vertx, GatewaySettings settings, String node, List<Routes> routes) {
    GatewaySettings current = LiveSettings.of(vertx, settings).current();
    GatewayStats stats = new GatewayStats();
    FanOut fanOut = new FanOut(stats);
    int configured = current.get(GatewaySettings.HTTP_INSTANCES);
    int instances = configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    List<String> ids = new ArrayList<>();
    AtomicReference<GatewayVerticle> first = new AtomicReference<>();
    return vertx.deployVerticle(fanOut)
        .compose(id -> {
          ids.add(id);
          GatewayVerticle v = new GatewayVerticle(fanOut, stats, node, current.get(GatewaySettings.HTTP_PORT), routes);
          first.set(v);
          return vertx.deployVerticle(v);
        })
        .compose(id -> {
          ids.add(id);
          int port = first.get().actualPort();
          if (instances == 1) {
            return Future.succeededFuture(port);
          }
          return vertx.deployVerticle(() -> new GatewayVerticle(fanOut, stats, node, port, routes),
              new DeploymentOptions().setInstances(instances - 1)).map(id2 -> {
                ids.add(id2);
                return port;
              });
        })
        .map(port -> {
          LOG.info("event=gateway_started node={} host={} port={} instances={} heartbeat_ms={}", node,
              current.get(GatewaySettings.HTTP_HOST), port, instances, current.heartbeatMs());
          return new Gateway(vertx, stats, port, ids);
        });
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

  /** Ends every stream (clients are told to retry) and undeploys. */
  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      all.add(vertx.undeploy(deployments.get(i)));
    }
    return Future.all(all).mapEmpty();
  }
}
