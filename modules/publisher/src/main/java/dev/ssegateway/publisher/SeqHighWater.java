package dev.ssegateway.publisher;

import dev.ssegateway.core.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.ArrayList;
import java.util.List;

/**
 * The highest sequence any live member of the cluster has seen from an origin, asked once when the origin
 * (re)joins, so that its sequence starts above it and never reuses a number, whatever its clock says. One
 * request to each member ({@link BusAddresses#originSeq}); a member without a gateway has no handler and
 * counts as having seen nothing. Nothing is written per event.
 */
final class SeqHighWater {

  /** How long a member may take to answer; a member that does not answer fails the join (no guessing). */
  static final long ANSWER_TIMEOUT_MS = 10_000;

  private SeqHighWater() {
  }

  static Future<Long> ask(Vertx vertx, ClusterManager clusterManager, String origin) {
    if (clusterManager == null) {
      return Future.succeededFuture(0L);
    }
    List<Future<Long>> answers = new ArrayList<>();
    for (String node : clusterManager.getNodes()) {
      if (node.equals(clusterManager.getNodeId())) {
        continue;
      }
      answers.add(vertx.eventBus().<Long>request(BusAddresses.originSeq(node), origin,
              new DeliveryOptions().setSendTimeout(ANSWER_TIMEOUT_MS))
          .map(m -> m.body() == null ? 0L : m.body())
          .recover(e -> e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
              ? Future.succeededFuture(0L)
              : Future.failedFuture(new IllegalStateException("could not learn the highest seq of origin " + origin
                  + " from cluster member " + node + ": " + e.getMessage(), e))));
    }
    return Future.all(answers).map(all -> {
      long max = 0;
      for (int i = 0; i < all.size(); i++) {
        max = Math.max(max, all.<Long>resultAt(i));
      }
      return max;
    });
  }
}
