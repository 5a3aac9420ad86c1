package dev.ssegateway.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keeps this member's event bus subscriptions in the cluster's registry. After a Hazelcast split-brain merge the
 * registry ({@code __vertx.subs}) was seen to lose a merged member's registrations for good (3 of 8 runs of
 * {@code SplitBrainTest} without this watch): that member then received no event at all, not even its own, while its
 * streams stayed open with heartbeats only. Registrations also go missing on one side during a split. Every
 * {@link #CHECK_MS} this watch asks the cluster manager (the public cluster SPI) whether each watched address still
 * has a registration of this node, and re-subscribes the ones that lost it, with one log line.
 */
final class SubscriptionWatch {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionWatch.class);
  /** How often the registry is checked: one lookup per watched address. */
  static final long CHECK_MS = 2000;

  private final ClusterManager clusterManager;
  private final Map<String, Supplier<Future<Void>>> watched;
  private boolean checking;

  private SubscriptionWatch(ClusterManager clusterManager, Map<String, Supplier<Future<Void>>> watched) {
    this.clusterManager = clusterManager;
    this.watched = new LinkedHashMap<>(watched);
  }

  /**
   * Starts checking, on the caller's context (the timer ends with its deployment), that each address of
   * {@code watched} keeps a registration of this node; its value subscribes the address again.
   */
  static SubscriptionWatch start(Vertx vertx, ClusterManager clusterManager,
                                 Map<String, Supplier<Future<Void>>> watched) {
    SubscriptionWatch watch = new SubscriptionWatch(clusterManager, watched);
    vertx.setPeriodic(CHECK_MS, id -> watch.check());
    return watch;
  }

  /** One round: at most one at a time (a lookup can be slow while the cluster is split). */
  Future<Void> check() {
    if (checking) {
      return Future.succeededFuture();
    }
    checking = true;
    List<Future<Void>> all = new ArrayList<>();
    for (Map.Entry<String, Supplier<Future<Void>>> w : watched.entrySet()) {
      all.add(check(w.getKey(), w.getValue()));
    }
    return Future.join(all).<Void>mapEmpty().onComplete(x -> checking = false);
  }

  private Future<Void> check(String address, Supplier<Future<Void>> resubscribe) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    clusterManager.getRegistrations(address, registrations);
    String self = clusterManager.getNodeId();
    return registrations.future().compose(list -> {
      if (list.stream().anyMatch(r -> self.equals(r.nodeId()))) {
        return Future.succeededFuture();
      }
      LOG.warn("event=subscription_lost address={} node_id={} action=resubscribe detail=\"the cluster's subscription"
          + " registry has no registration of this node for the address (seen during and after a network split)\"",
          address, self);
      return resubscribe.get()
          .onSuccess(v -> LOG.info("event=subscription_restored address={} node_id={}", address, self))
          .onFailure(e -> LOG.warn("event=subscription_restore_failed address={} cause=\"{}\"", address, e.toString()));
    }, e -> {
      LOG.debug("event=subscription_check_failed address={} cause=\"{}\"", address, e.toString());
      return Future.succeededFuture();
    });
  }
}
