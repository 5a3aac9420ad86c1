package dev.ssegateway.publisher;

import dev.ssegateway.core.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The highest sequence any live member of the cluster has seen from an origin, asked once when the origin
 * (re)joins, so that its sequence starts above it and never reuses a number, whatever its clock says. One
 * request to each member ({@link BusAddresses#originSeq}). "No handlers" counts as "seen nothing" only from a member
 * that does not announce a gateway ({@link GatewayRole}); from a gateway it means that its answer address is missing
 * from the cluster's subscription map (lost in a split, re-registered within seconds by the member's watch), so it is
 * asked again, bounded, and the join fails naming the member if it stays unanswered. Nothing is written per event.
 */
final class SeqHighWater {

  /** How long a member may take to answer; a member that stays and never answers fails the join (no guessing). */
  static final long ANSWER_TIMEOUT_MS = 10_000;
  /** Attempts per member that stays a member but fails to answer (an error or no answer within the timeout). */
  static final int MAX_ATTEMPTS = 3;
  static final long RETRY_DELAY_MS = 500;
  /**
   * How long a gateway member whose answer address has no handler is asked again: several rounds of its subscription
   * watch (every 2 s) and the start of a gateway whose Vert.x is up but whose answer is not registered yet.
   */
  static final long UNANSWERED_WAIT_MS = 15_000;
  /** The bound in count of the same wait. */
  static final int MAX_UNANSWERED_ATTEMPTS = 30;

  private SeqHighWater() {
  }

  static Future<Long> ask(Vertx vertx, ClusterManager clusterManager, String origin) {
    if (clusterManager == null) {
      return Future.succeededFuture(0L);
    }
    List<Future<Long>> answers = new ArrayList<>();
    for (String node : clusterManager.getNodes()) {
      if (!node.equals(clusterManager.getNodeId())) {
        answers.add(new Asking(vertx, clusterManager, node, origin).next());
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
   * One member's answer. A member that failed to answer and is no longer a member (it left or crashed meanwhile)
   * holds nothing that could drop our events: 0. "No handlers" from a member that announces no gateway: 0. From a
   * gateway, or from a member whose node info is not there yet (its Vert.x is starting), the member is asked again
   * every {@link #RETRY_DELAY_MS} for up to {@link #UNANSWERED_WAIT_MS} / {@link #MAX_UNANSWERED_ATTEMPTS}; any other
   * failure up to {@link #MAX_ATTEMPTS} times. Then the join fails.
   */
  private static final class Asking {
    private final Vertx vertx;
    private final ClusterManager clusterManager;
    private final String node;
    private final String origin;
    private final long started = System.nanoTime();
    private int failures;
    private int unanswered;

    Asking(Vertx vertx, ClusterManager clusterManager, String node, String origin) {
      this.vertx = vertx;
      this.clusterManager = clusterManager;
      this.node = node;
      this.origin = origin;
    }

    Future<Long> next() {
      return vertx.eventBus().<Long>request(BusAddresses.originSeq(node), origin,
              new DeliveryOptions().setSendTimeout(ANSWER_TIMEOUT_MS))
          .map(m -> m.body() == null ? 0L : m.body())
          .recover(e -> {
            if (!clusterManager.getNodes().contains(node)) {
              return Future.succeededFuture(0L);
            }
            if (e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
              return nodeInfo().compose(this::noHandlers);
            }
            failures++;
            if (failures >= MAX_ATTEMPTS) {
              return Future.failedFuture(new HighWaterUnknownException(node, "could not learn the highest seq of origin "
                  + origin + " from cluster member " + node + " (" + failures + " attempts): " + e.getMessage(), e));
            }
            return later();
          });
    }

    private Future<Long> noHandlers(NodeInfo info) {
      if (info != null && !GatewayRole.announced(info)) {
        return Future.succeededFuture(0L);
      }
      unanswered++;
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (unanswered >= MAX_UNANSWERED_ATTEMPTS || elapsedMs + RETRY_DELAY_MS > UNANSWERED_WAIT_MS) {
        String member = node + (info == null ? "" : " (" + info.host() + ":" + info.port() + ")");
        String what = info == null ? "has published no node info (a Vert.x that never finished starting)"
            : "runs a gateway but its answer address " + BusAddresses.originSeq(node)
                + " has no handler in the cluster's subscription map";
        return Future.failedFuture(new HighWaterUnknownException(node, "could not learn the highest seq of origin "
            + origin + " from cluster member " + member + ": it " + what + " (" + unanswered + " attempts in "
            + elapsedMs + " ms); the origin does not start rather than risk reusing sequence numbers", null));
      }
      return later();
    }

    /** This member's node info, null when it has none (not published yet, or it left). */
    private Future<NodeInfo> nodeInfo() {
      Promise<NodeInfo> info = Promise.promise();
      clusterManager.getNodeInfo(node, info);
      return info.future().otherwise((NodeInfo) null);
    }

    private Future<Long> later() {
      Promise<Long> again = Promise.promise();
      vertx.setTimer(RETRY_DELAY_MS, t -> next().onComplete(again));
      return again.future();
    }
  }
}
