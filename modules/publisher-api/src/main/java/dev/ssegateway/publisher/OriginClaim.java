package dev.ssegateway.publisher;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;

/**
 * The cluster-wide claim of an origin name: at most one live member of the cluster holds a name, so no two
 * members ever number events under the same origin (which would make every other node drop one member's
 * events as duplicates of the other's). The claim is one atomic {@code putIfAbsent} in the cluster map
 * {@value #MAP} (name to holder); a holder that is no longer a member of the cluster (it crashed or left) is
 * replaced atomically, so a crashed node's restart gets its name back. The member's own claim is released
 * when it stops ({@link #release()}); a crashed member's claim is taken over by the next claimant.
 *
 * <p>Only the public cluster manager SPI ({@link ClusterManager#getNodes()}, {@link ClusterManager#getNodeId()})
 * and Vert.x shared data are used. Without a cluster manager (a single, non-clustered node) every claim succeeds.
 */
public final class OriginClaim {

  /** The cluster map of claims: origin name to {@code "<cluster node id> <event bus host:port>"}. */
  public static final String MAP = "sse-gateway.origins";
  /** Attempts to replace a stale claim that someone else replaced first; bounded. */
  private static final int MAX_ATTEMPTS = 5;

  /** The name is held by another live member. */
  public static final class TakenException extends RuntimeException {
    private final String origin;
    private final String holder;

    TakenException(String origin, String holder) {
      super("node_id '" + origin + "' is already held by live cluster member " + holder
          + "; give this node another node_id (docs/cluster.md 'Naming nodes')");
      this.origin = origin;
      this.holder = holder;
    }

    public String origin() {
      return origin;
    }

    /** The holder: event bus {@code host:port} and cluster node id. */
    public String holder() {
      return holder;
    }
  }

  private final Vertx vertx;
  private final String origin;
  private final String value;

  private OriginClaim(Vertx vertx, String origin, String value) {
    this.vertx = vertx;
    this.origin = origin;
    this.value = value;
  }

  /**
   * Claims {@code origin} for this member. Fails with {@link TakenException} when a live member holds it.
   * {@code clusterManager} is null for a node that is not clustered: the claim then succeeds at once.
   */
  public static Future<OriginClaim> claim(Vertx vertx, ClusterManager clusterManager, String origin) {
    if (clusterManager == null) {
      return Future.succeededFuture(new OriginClaim(null, origin, null));
    }
    NodeInfo info = clusterManager.getNodeInfo();
    String me = clusterManager.getNodeId();
    String value = me + " " + (info == null ? "?" : info.host() + ":" + info.port());
    return vertx.sharedData().<String, String>getAsyncMap(MAP)
        .compose(map -> attempt(map, clusterManager, origin, value, 1))
        .map(v -> new OriginClaim(vertx, origin, value));
  }

  private static Future<Void> attempt(AsyncMap<String, String> map, ClusterManager cm, String origin, String value,
                                      int attempt) {
    return map.putIfAbsent(origin, value).compose(existing -> {
      if (existing == null || existing.equals(value)) {
        return Future.succeededFuture();
      }
      String holder = nodeOf(existing);
      if (cm.getNodes().contains(holder)) {
        return Future.failedFuture(new TakenException(origin, describe(existing)));
      }
      // the holder is no longer a member: take its claim over, unless another claimant did first
      return map.replaceIfPresent(origin, existing, value).compose(replaced -> {
        if (replaced) {
          return Future.succeededFuture();
        }
        if (attempt >= MAX_ATTEMPTS) {
          return Future.failedFuture(new IllegalStateException("node_id '" + origin + "' could not be claimed: "
              + MAX_ATTEMPTS + " attempts met a concurrent claimant"));
        }
        return attempt(map, cm, origin, value, attempt + 1);
      });
    });
  }

  private static String nodeOf(String value) {
    int space = value.indexOf(' ');
    return space < 0 ? value : value.substring(0, space);
  }

  private static String describe(String value) {
    int space = value.indexOf(' ');
    return space < 0 ? "(cluster node " + value + ")" : value.substring(space + 1) + " (cluster node "
        + value.substring(0, space) + ")";
  }

  public String origin() {
    return origin;
  }

  /** Gives the name up (a stopping member); a claim another member took over meanwhile is left alone. */
  public Future<Void> release() {
    if (vertx == null) {
      return Future.succeededFuture();
    }
    return vertx.sharedData().<String, String>getAsyncMap(MAP)
        .compose(map -> map.removeIfPresent(origin, value)).mapEmpty();
  }
}
