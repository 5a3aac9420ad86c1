package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
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
  private final Seams seams;
  private final LiveSettings live;
  private final dev.ssegateway.core.TokenAuth auth;
  private Lane lane;
  private HttpServer server;
  private HttpServerOptions serverOptions;
  private MessageConsumer<Object> settingsConsumer;

  GatewayVerticle(FanOut fanOut, GatewayStats stats, LiveSettings live, String node, int port, List<Routes> routes,
                  java.util.Set<Integer> boundPorts, Seams seams, dev.ssegateway.core.TokenAuth auth) {
    this.live = live;
    this.boundPorts = boundPorts;
    this.seams = seams;
    this.auth = auth;
    this.fanOut = fanOut;
    this.stats = stats;
    this.node = node;
    this.port = port;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    GatewaySettings settings = live.current();
    if (settings.get(GatewaySettings.TLS_CERT_FILE).isEmpty() != settings.get(GatewaySettings.TLS_KEY_FILE).isEmpty()) {
      return Future.failedFuture(new IllegalStateException("tls.cert_file and tls.key_file must be set together"));
    }
    lane = new Lane(vertx, context, stats, node, settings, seams.laneTasks().apply(context));
    fanOut.attach(lane);
    settingsConsumer = vertx.eventBus().localConsumer(BusAddresses.SETTINGS_LOCAL,
        msg -> lane.reconfigure(live.current()));
    ConnectionGate gate = new ConnectionGate(vertx, live, stats);
    Router router = Router.router(vertx);
    HttpRefusals.mount(router, stats);
    Cors.mount(router, settings);
    router.get("/events").handler(new EventsHandler(fanOut, lane, stats, live, auth, gate::streamOpened,
        gate::http2StreamClosed));
    routes.forEach(r -> r.mount(router));
    HttpServerOptions options = new HttpServerOptions()
        .setHost(settings.get(GatewaySettings.HTTP_HOST))
        .setPort(port == 0 ? -1 : port) // -1: every instance shares one random port
        .setTcpNoDelay(true)
        .setIdleTimeout(0)
        // Every response is written on its connection's own event loop (the lane's), so Vert.x may write
        // straight through instead of through a cross-thread outbound queue: that queue's array alone was
        // ~4.8 KiB of heap per open stream (docs/performance.md, "Memory per idle stream").
        .setStrictThreadMode(true)
        .setMaxHeaderSize(settings.get(GatewaySettings.MAX_HEADER_BYTES))
        .setMaxInitialLineLength(maxRequestLineBytes(settings));
    boolean tls = !settings.get(GatewaySettings.TLS_CERT_FILE).isEmpty();
    if (tls) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(settings.get(GatewaySettings.TLS_CERT_FILE))
          .setKeyPath(settings.get(GatewaySettings.TLS_KEY_FILE)));
    }
    http2(options, settings, tls);
    serverOptions = options;
    int maxHeaderBytes = settings.get(GatewaySettings.MAX_HEADER_BYTES);
    int maxLineBytes = maxRequestLineBytes(settings);
    server = gate.createServer(options)
        .connectionHandler(gate::connected)
        .invalidRequestHandler(request -> HttpRefusals.invalidRequest(request, stats))
        .requestHandler(gate.requests(request -> {
          if (!HttpRefusals.refusedHttp2Head(request, stats, maxHeaderBytes, maxLineBytes)
              && !HttpRefusals.refusedPath(request, stats)) {
            router.handle(request);
          }
        }));
    return settingsConsumer.completion().compose(v -> server.listen()).onSuccess(s -> boundPorts.add(s.actualPort()));
  }

  /**
   * Serves new connections with {@code keyCert} (a renewed certificate, {@link CertificateReload}); connections
   * already open keep theirs. Completes with whether the server took it.
   */
  Future<Boolean> updateKeyCert(io.vertx.core.net.KeyCertOptions keyCert) {
    // the server's own SSL options (ALPN, protocols, ...) with only the key and certificate replaced
    io.vertx.core.net.ServerSSLOptions ssl = serverOptions.getSslOptions().copy();
    return server.updateSSLOptions(ssl.setKeyCertOptions(keyCert));
  }

  /**
   * HTTP/2 beside HTTP/1.1 on the same port when {@code http.http2} is on: with TLS, ALPN offers {@code h2} and
   * {@code http/1.1}; without, h2c (prior knowledge, and the {@code Upgrade: h2c} of an HTTP/1.1 request) unless
   * {@code http.h2c} is off (then such a request is answered in HTTP/1.1). The {@link ConnectionGate} admits every
   * connection at accept, whichever protocol it turns out to speak. HTTP/1.1
   * streams keep their direct channel writes; an HTTP/2 stream writes through its response
   * ({@link Http2StreamTarget}). A connection may open {@code limits.max_streams_per_connection} streams at once, and
   * its header block (the request line's parts included) is bounded as an HTTP/1.1 request's is.
   */
  static void http2(HttpServerOptions options, GatewaySettings settings, boolean tls) {
    boolean on = settings.get(GatewaySettings.HTTP_HTTP2);
    options.setHttp2ClearTextEnabled(on && !tls && settings.get(GatewaySettings.HTTP_H2C))
        .setUseAlpn(on && tls)
        .setAlpnVersions(on ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(settings.get(GatewaySettings.MAX_STREAMS_PER_CONNECTION))
            .setMaxHeaderListSize((long) settings.get(GatewaySettings.MAX_HEADER_BYTES) + maxRequestLineBytes(settings)));
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
    GatewaySettings settings = live.current();
    int drainMs = settings.get(GatewaySettings.SHUTDOWN_DRAIN_MS);
    // The streams get their retry before the server shuts its connections down: on HTTP/2 that sends GOAWAY, which
    // is then written behind every stream's last frame.
    lane.closing = true;
    fanOut.detach(lane);
    // each stream ends with its retry; the server's graceful shutdown is what waits for those bytes to leave
    lane.closeAll(settings.retryMs(), settings.get(GatewaySettings.SHUTDOWN_RETRY_JITTER_MS));
    return server.shutdown(drainMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

}
