package dev.ssegateway.publisher;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * The demo publisher: an event of type {@code tick} on one topic at a fixed interval, its data naming
 * the node and a counter, so a stream that misses or repeats one shows it at a glance.
 */
public final class TickerPublisher extends VerticleBase {

  private final String topic;
  private final long intervalMs;
  private long count;
  private long timer = -1;

  public TickerPublisher(String topic, long intervalMs) {
    this.topic = topic;
    this.intervalMs = intervalMs;
  }

  @Override
  public Future<?> start() {
    EventPublisher publisher = EventPublisher.of(vertx);
    timer = vertx.setPeriodic(intervalMs, id -> publisher.publish(topic, "tick", new JsonObject()
        .put("node", publisher.origin())
        .put("tick", ++count)
        .put("time", Instant.now().toString())
        .encode()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
