package dev.ssegateway.app.publishers;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** A publisher whose start fails, as one whose database is unreachable would. */
public final class FailingStartPublisher extends VerticleBase {

  @Override
  public Future<?> start() {
    return Future.failedFuture(new IllegalStateException("orders database unreachable"));
  }
}
