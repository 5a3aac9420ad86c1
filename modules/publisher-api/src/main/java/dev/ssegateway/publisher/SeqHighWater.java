package dev.ssegateway.publisher;

import dev.ssegateway.core.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

  /** How long a member may take to answer; a member that stays and never answers fails the join (no guessing). */
  static final long ANSWER_TIMEOUT_MS = 10_000;
  /** Attempts per member that stays a member but does not answer. */
  static final int MAX_ATTEMPTS = 3;
  static final long RETRY_DELAY_MS = 500;

  private SeqHighWater() {
  }

  static Future<Long> ask(Vertx vertx, ClusterManager clusterManager, String origin) {
    if (clusterManager == null) {
      return Future.succeededFuture(0L);
    }
    List<Future<Long>> answers = new ArrayList<>();
    for (String node : clusterManager.getNodes()) {
      if (!node.equals(clusterManager.getNodeId())) {
        answers.add(askMember(vertx, clusterManager, node, origin, 1));
      }
    }
    return Future.all(answers).map(all -> {
      long max = 0;
      for (int i = 0; i < all.size(); i++) {
        max = Math.max(max, all.<Long>resultAt(i));
      }
      return max;
    });
  }

  /**
   * One member's answer. A member without a handler (no gateway) has seen nothing; a member that failed to answer
   * and is no longer a member (it left or crashed meanwhile) holds nothing that could drop our events; a member
   * that is still there is asked again, up to {@link #MAX_ATTEMPTS} times, then the join fails.
   */
  private static Future<Long> askMember(Vertx vertx, ClusterManager clusterManager, String node, String origin,
                                        int attempt) {
    return vertx.eventBus().<Long>request(BusAddresses.originSeq(node), origin,
            new DeliveryOptions().setSendTimeout(ANSWER_TIMEOUT_MS))
        .map(m -> m.body() == null ? 0L : m.body())
        .recover(e -> {
          if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS
              || !clusterManager.getNodes().contains(node)) {
            return Future.succeededFuture(0L);
          }
          if (attempt >= MAX_ATTEMPTS) {
            return Future.failedFuture(new IllegalStateException("could not learn the highest seq of origin "
                + origin + " from cluster member " + node + " (" + attempt + " attempts): " + e.getMessage(), e));
          }
          Promise<Long> again = Promise.promise();
          vertx.setTimer(RETRY_DELAY_MS, t -> askMember(vertx, clusterManager, node, origin, attempt + 1)
              .onComplete(again));
          return again.future();
        });
  }
}
