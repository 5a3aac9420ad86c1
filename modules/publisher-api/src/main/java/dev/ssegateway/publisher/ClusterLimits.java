package dev.ssegateway.publisher;

import dev.ssegateway.core.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.function.IntSupplier;

/**
 * A publisher-only member's view of the cluster's live {@code limits.max_event_bytes}: asked from a gateway once
 * ({@link BusAddresses#LIMITS_REQUEST}), then every change a gateway announces ({@link BusAddresses#LIMITS_CHANGED})
 * is followed, so the member refuses exactly what the gateways would drop. The change feed is registered before the
 * question, so no change between the two is missed.
 */
final class ClusterLimits implements IntSupplier {

  /** How long a gateway may take to answer. */
  static final long ANSWER_TIMEOUT_MS = 10_000;
  /**
   * A member that just joined may not see the gateways' handler yet (subscriptions spread through the cluster):
   * "no handlers" is asked again every {@link #RETRY_DELAY_MS}, at most this many times, before it is refused.
   */
  static final int MAX_ATTEMPTS = 40;
  static final long RETRY_DELAY_MS = 250;

  private final MessageConsumer<JsonObject> feed;
  private volatile int maxEventBytes;

  private ClusterLimits(Vertx vertx) {
    this.feed = vertx.eventBus().consumer(BusAddresses.LIMITS_CHANGED, m -> update(m.body()));
  }

  /** Follows the cluster's limits; fails (nothing left registered) when no gateway answers. */
  static Future<ClusterLimits> follow(Vertx vertx) {
    ClusterLimits limits = new ClusterLimits(vertx);
    return limits.feed.completion()
        .compose(v -> ask(vertx, 1))
        .map(answer -> {
          if (limits.maxEventBytes == 0 && !limits.update(answer.body())) {
            throw new IllegalStateException("a gateway answered without " + BusAddresses.MAX_EVENT_BYTES_KEY);
          }
          return limits;
        })
        .recover(e -> limits.feed.unregister().transform(x -> Future.failedFuture(new IllegalStateException(
            "no gateway of the cluster told its " + BusAddresses.MAX_EVENT_BYTES_KEY + " (" + e.getMessage()
                + "): a publisher-only member starts once a gateway of the cluster is up", e))));
  }

  private static Future<Message<JsonObject>> ask(Vertx vertx, int attempt) {
    return vertx.eventBus().<JsonObject>request(BusAddresses.LIMITS_REQUEST, new JsonObject(),
        new DeliveryOptions().setSendTimeout(ANSWER_TIMEOUT_MS)).recover(e -> {
          if (attempt >= MAX_ATTEMPTS || !(e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS)) {
            return Future.failedFuture(e);
          }
          Promise<Message<JsonObject>> again = Promise.promise();
          vertx.setTimer(RETRY_DELAY_MS, t -> ask(vertx, attempt + 1).onComplete(again));
          return again.future();
        });
  }

  private boolean update(JsonObject body) {
    Object v = body == null ? null : body.getValue(BusAddresses.MAX_EVENT_BYTES_KEY);
    if (v instanceof Number n && n.intValue() > 0) {
      maxEventBytes = n.intValue();
      return true;
    }
    return false;
  }

  MessageConsumer<JsonObject> feed() {
    return feed;
  }

  @Override
  public int getAsInt() {
    return maxEventBytes;
  }
}
