package com.acme.orders;

import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * Publishes a {@code created} event for a new order every {@code interval_ms} on {@code topic} (its config:
 * {@code {"topic": "orders", "interval_ms": 1000}}). It runs unchanged inside the gateway (the {@code publishers} conf
 * key) or in your own clustered application ({@link OrdersApp}): either way it publishes through the node's
 * {@link EventPublisher}.
 */
public final class OrdersPublisher extends VerticleBase {

  private long timer;
  private long orders;

  @Override
  public Future<?> start() {
    String topic = config().getString("topic", "orders");
    long interval = config().getLong("interval_ms", 1000L);
    if (interval < 10) {
      return Future.failedFuture(new IllegalArgumentException("interval_ms " + interval + " is below 10"));
    }
    EventPublisher publisher = EventPublisher.of(vertx);
    timer = vertx.setPeriodic(interval, id -> {
      JsonObject order = new JsonObject().put("order", ++orders).put("item", "widget").put("quantity", 1);
      publisher.publish(topic, "created", order.encode())
          .onFailure(e -> System.err.println("order " + orders + " refused: " + e.getMessage()));
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
