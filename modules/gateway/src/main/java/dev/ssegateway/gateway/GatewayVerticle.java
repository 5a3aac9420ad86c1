package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

import java.util.List;

/**
 * One gateway instance: an HTTP server on its own event loop (instances share the port, so the
 * kernel spreads connections over loops), the {@link Lane} of streams it accepted, and the live
 * settings applied to them.
 */
public final class GatewayVerticle extends VerticleBase {

  private final FanOut fanOut;
  private final GatewayStats stats;
  private final String node;
  private final int port;
  private final List<Routes> routes;
  private final java.util.Set<Integer> boundPorts;
  private Lane lane;
  private HttpServer server;
  private MessageConsumer<Object> settingsConsumer;

  GatewayVerticle(FanOut fanOut, GatewayStats stats, String node, int port, List<Routes> routes,
                  java.util.Set<Integer> boundPorts) {
    this.boundPorts = boundPorts;
    this.fanOut = fanOut;
    this.stats = stats;
    this.node = node;
    this.port = port;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    LiveSettings live = LiveSettings.of(vertx);
    GatewaySettings settings = live.current();
    lane = new Lane(vertx, context, stats, node, settings);
    fanOut.attach(lane);
    settingsConsumer = vertx.eventBus().localConsumer(BusAddresses.SETTINGS_LOCAL,
        msg -> lane.reconfigure(live.current()));
    Router router = Router.router(vertx);
    router.get("/events").handler(new EventsHandler(fanOut, lane, stats, live));
    routes.forEach(r -> r.mount(router));
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    HttpServerOptions options = new HttpServerOptions()
        .setHost(settings.get(GatewaySettings.HTTP_HOST))
        .setPort(port == 0 ? -1 : port) // -1: every instance shares one random port
        .setTcpNoDelay(true)
        .setIdleTimeout(0);
    server = vertx.createHttpServer(options).requestHandler(router);
    return settingsConsumer.completion().compose(v -> server.listen()).onSuccess(s -> boundPorts.add(s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    fanOut.detach(lane);
    lane.closeAll(LiveSettings.of(vertx).current().retryMs());
    return server.close();
  }

}
