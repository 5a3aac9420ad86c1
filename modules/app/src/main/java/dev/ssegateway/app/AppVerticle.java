package dev.ssegateway.app;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.gateway.Routes;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.IngestPublisher;
import dev.ssegateway.publisher.TickerPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Wires one node from its conf: validated settings, this node's publisher (origin), the gateway with
 * the ingest and admin routes, and the ticker when enabled. A failure of any part fails the deployment
 * with its cause, and the launcher exits non-zero.
 */
public final class AppVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AppVerticle.class);

  private Gateway gateway;

  @Override
  public Future<?> start() {
    GatewaySettings settings;
    try {
      settings = SettingsValidator.fromConf(config());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String node = settings.nodeId(EventPublisher.randomName());
    EventPublisher publisher = EventPublisher.install(vertx, node);
    LiveSettings live = LiveSettings.of(vertx, settings);
    List<Routes> routes = new ArrayList<>();
    if (settings.get(GatewaySettings.INGEST_ENABLED)) {
      IngestPublisher ingest = IngestPublisher.create(publisher, live);
      routes.add(router -> router.post("/publish/:topic").handler(ingest));
      if (settings.get(GatewaySettings.INGEST_TOKEN).isEmpty()) {
        LOG.warn("event=ingest_open_to_loopback message=\"ingest.token is empty: only loopback clients may publish\"");
      }
    }
    return Gateway.deploy(vertx, settings, publisher.origin(), routes)
        .compose(g -> {
          gateway = g;
          if (!settings.get(GatewaySettings.TICKER_ENABLED)) {
            return Future.succeededFuture();
          }
          return vertx.deployVerticle(new TickerPublisher(settings.get(GatewaySettings.TICKER_TOPIC),
              settings.get(GatewaySettings.TICKER_INTERVAL_MS)))
              .onFailure(e -> LOG.error("event=publisher_failed publisher=ticker cause=\"{}\"", e.toString()));
        })
        .onSuccess(v -> LOG.info("event=node_ready node={} port={}", node, gateway.port()));
  }

  /** The running gateway (for tests that deploy this verticle). */
  public Gateway gateway() {
    return gateway;
  }

}
