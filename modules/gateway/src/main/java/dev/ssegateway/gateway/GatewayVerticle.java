package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;

import java.util.List;

/**
 * One gateway instance: an HTTP server on its own event loop (instances share the port, so the
 * kernel spreads connections over loops), the {@link Lane} of streams it accepted, and the live
 * settings applied to them.
 */
public final class GatewayVerticle extends VerticleBase {

  /** The longest topic name ({@code Topics}). */
  private static final int TOPIC_MAX_CHARS = 128;

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
    if (settings.get(GatewaySettings.TLS_CERT_FILE).isEmpty() != settings.get(GatewaySettings.TLS_KEY_FILE).isEmpty()) {
      return Future.failedFuture(new IllegalStateException("tls.cert_file and tls.key_file must be set together"));
    }
    lane = new Lane(vertx, context, stats, node, settings);
    fanOut.attach(lane);
    settingsConsumer = vertx.eventBus().localConsumer(BusAddresses.SETTINGS_LOCAL,
        msg -> lane.reconfigure(live.current()));
    ConnectionGate gate = new ConnectionGate(vertx, live, stats);
    Router router = Router.router(vertx);
    HttpRefusals.mount(router, stats);
    Cors.mount(router, settings);
    router.get("/events").handler(new EventsHandler(fanOut, lane, stats, live, gate::streamOpened));
    routes.forEach(r -> r.mount(router));
    HttpServerOptions options = new HttpServerOptions()
        .setHost(settings.get(GatewaySettings.HTTP_HOST))
        .setPort(port == 0 ? -1 : port) // -1: every instance shares one random port
        .setTcpNoDelay(true)
        .setIdleTimeout(0)
        // Streams are HTTP/1.1 (chunked, written straight to the channel). Cleartext HTTP/2 would multiplex a
        // stream under the client's flow-control window (64 KiB by default), where a burst reads as a slow
        // consumer; an h2c upgrade request is answered in HTTP/1.1 instead.
        .setHttp2ClearTextEnabled(false)
        // Every response is written on its connection's own event loop (the lane's), so Vert.x may write
        // straight through instead of through a cross-thread outbound queue: that queue's array alone was
        // ~4.8 KiB of heap per open stream (docs/performance.md, "Memory per idle stream").
        .setStrictThreadMode(true)
        .setMaxHeaderSize(settings.get(GatewaySettings.MAX_HEADER_BYTES))
        .setMaxInitialLineLength(maxRequestLineBytes(settings));
    if (!settings.get(GatewaySettings.TLS_CERT_FILE).isEmpty()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(settings.get(GatewaySettings.TLS_CERT_FILE))
          .setKeyPath(settings.get(GatewaySettings.TLS_KEY_FILE)));
    }
    server = vertx.createHttpServer(options)
        .connectionHandler(connection -> gate.accept(connection, options))
        .invalidRequestHandler(request -> HttpRefusals.invalidRequest(request, stats))
        .requestHandler(gate.requests(request -> {
          if (!HttpRefusals.refusedPath(request, stats)) {
            router.handle(request);
          }
        }));
    return settingsConsumer.completion().compose(v -> server.listen()).onSuccess(s -> boundPorts.add(s.actualPort()));
  }

  /**
   * The longest request line accepted: a stream request within the documented limits always fits, that is
   * {@code limits.max_topics_per_connection} topics of 128 characters and a {@code lastEventId} of
   * {@link Cursor#MAX_TEXT_LENGTH} characters, every character percent-encoded (3 bytes), with their parameter
   * names; never less than 32 KiB. Sized from the settings at start (the option needs a restart).
   */
  static int maxRequestLineBytes(GatewaySettings settings) {
    long topics = (long) settings.get(GatewaySettings.MAX_TOPICS_PER_CONNECTION)
        * ("&topic=".length() + 3L * TOPIC_MAX_CHARS);
    long cursor = "&lastEventId=".length() + 3L * Cursor.MAX_TEXT_LENGTH;
    long line = "GET /events? HTTP/1.1".length() + topics + cursor;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(32 * 1024, line));
  }

  @Override
  public Future<?> stop() {
    // Stop accepting first, then end every stream with a jittered retry and let the writes drain.
    GatewaySettings settings = LiveSettings.of(vertx).current();
    int drainMs = settings.get(GatewaySettings.SHUTDOWN_DRAIN_MS);
    lane.closing = true;
    Future<Void> serverDown = server.shutdown(drainMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    fanOut.detach(lane);
    Future<Void> streamsEnded = lane.closeAll(settings.retryMs(), settings.get(GatewaySettings.SHUTDOWN_RETRY_JITTER_MS));
    return Future.join(serverDown, streamsEnded);
  }

}
