package dev.ssegateway.app.publishers;

import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** A user's publisher as the {@code publishers} key deploys it: its topic and interval come from its own config. */
public final class TopicPublisher extends VerticleBase {

  private long timer;

  @Override
  public Future<?> start() {
    EventPublisher publisher = EventPublisher.of(vertx);
    String topic = config().getString("topic");
    long[] n = new long[1];
    timer = vertx.setPeriodic(config().getLong("interval_ms", 50L), id ->
        publisher.publish(topic, "tick", config().getString("text", "tick") + "-" + ++n[0]));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
