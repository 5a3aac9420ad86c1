package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.TokenAuth;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.WireNames;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * {@code GET /events?topic=A&topic=B}: validates the request, opens the stream with the wire contract's
 * headers and asks the {@link FanOut} for its resume plan. Every refusal is a status with a JSON body.
 */
final class EventsHandler implements Handler<RoutingContext> {

  private final FanOut fanOut;
  private final Lane lane;
  private final GatewayStats stats;
  private final LiveSettings live;
  private final TokenAuth auth;
  private final Consumer<HttpServerRequest> streamOpened;
  private final Consumer<HttpConnection> http2StreamClosed;

  /**
   * {@code auth} checks subscribe tokens; {@code streamOpened} is told of each request that became a stream,
   * {@code http2StreamClosed} of the end of an HTTP/2 stream, with its connection ({@link ConnectionGate}).
   */
  EventsHandler(FanOut fanOut, Lane lane, GatewayStats stats, LiveSettings live, TokenAuth auth,
                Consumer<HttpServerRequest> streamOpened, Consumer<HttpConnection> http2StreamClosed) {
    this.auth = auth;
    this.streamOpened = streamOpened;
    this.http2StreamClosed = http2StreamClosed;
    this.fanOut = fanOut;
    this.lane = lane;
    this.stats = stats;
    this.live = live;
  }

  @Override
  public void handle(RoutingContext ctx) {
    GatewaySettings settings = live.current();
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    List<String> requested = ctx.queryParam(WireNames.TOPIC_PARAM);
    if (requested.isEmpty()) {
      reject(response, 400, "missing_topic", "give at least one topic: /events?topic=NAME[&topic=NAME2]");
      return;
    }
    Set<String> distinct = new LinkedHashSet<>();
    for (String topic : requested) {
      String problem = Topics.topicProblem(topic);
      if (problem != null) {
        reject(response, 400, "invalid_topic", problem);
        return;
      }
      distinct.add(topic);
    }
    // most streams have one topic: an immutable set of one keeps 24 bytes for the stream's life instead of ~200
    Set<String> topics = distinct.size() == 1 ? Set.of(distinct.iterator().next()) : distinct;
    int maxTopics = settings.get(GatewaySettings.MAX_TOPICS_PER_CONNECTION);
    if (topics.size() > maxTopics) {
      reject(response, 400, "too_many_topics", topics.size() + " topics requested; limits.max_topics_per_connection is "
          + maxTopics);
      return;
    }
    String lastId = request.getHeader(WireNames.LAST_EVENT_ID_HEADER);
    if (lastId == null) {
      lastId = request.getParam(WireNames.LAST_EVENT_ID_PARAM);
    }
    Cursor from;
    try {
      from = lastId == null ? null : Cursor.parse(lastId.trim());
    } catch (IllegalArgumentException e) {
      reject(response, 400, "invalid_last_event_id", e.getMessage());
      return;
    }
    if (refusedWhileClosing(request, settings)) {
      return;
    }
    if (!settings.get(GatewaySettings.AUTH_SUBSCRIBE_REQUIRED)) {
      open(ctx, settings, topics, from, 0);
      return;
    }
    auth.allowSubscribe(request, topics, settings).onComplete(allowed -> {
      if (allowed.succeeded() && allowed.result().allowed()) {
        open(ctx, settings, topics, from, allowed.result().expiresAtMs());
      } else {
        stats.rejectedRequests.increment();
        if (allowed.failed()) {
          HttpErrors.send(response, 500, "internal_error", "the token could not be checked");
        }
      }
    });
  }

  /**
   * Refuses the stream with {@code shutting_down} (503, or a {@code refused} stream for an EventSource) when this node
   * is closing; returns whether it did.
   */
  private boolean refusedWhileClosing(HttpServerRequest request, GatewaySettings settings) {
    if (!lane.closing) {
      return false;
    }
    refuseRetryable(request, settings, 503, "shutting_down", "this node is shutting down; reconnect, another node "
        + "will serve you");
    return true;
  }

  /** Applies the connection limits, then opens the stream, which ends at {@code expiresAtMs} (0 = never). */
  private void open(RoutingContext ctx, GatewaySettings settings, Set<String> topics, Cursor from, long expiresAtMs) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (refusedWhileClosing(request, settings)) { // again: the node may have begun closing during the token check
      return;
    }
    int maxConnections = settings.get(GatewaySettings.MAX_CONNECTIONS);
    if (stats.openStreams() >= maxConnections) {
      refuseRetryable(request, settings, 503, "too_many_streams", "this node holds limits.max_connections="
          + maxConnections + " streams; retry later or on another node");
      return;
    }
    String peer = request.remoteAddress() == null ? "?" : request.remoteAddress().host();
    int perAddress = settings.get(GatewaySettings.MAX_CONNECTIONS_PER_ADDRESS);
    if (!stats.perAddress.tryAcquire(peer, perAddress)) {
      refuseRetryable(request, settings, 429, "too_many_streams_from_address",
          "this address holds limits.max_connections_per_address=" + perAddress
              + " streams on this node; close one or retry later");
      return;
    }
    stats.openStreams.increment();
    stats.streamsOpened.increment();
    streamOpened.accept(request);
    HttpVersion version = request.version();
    // HTTP/1.1 streams go straight to their channel once started (Lane.start); an HTTP/2 stream shares its
    // connection and writes through its response, judged by what it owes itself
    StreamTarget target = version == HttpVersion.HTTP_2
        ? new Http2StreamTarget(response, settings.get(GatewaySettings.WRITE_QUEUE_BYTES))
        : StreamTarget.of(response);
    StreamConnection c = new StreamConnection(response,
        version == HttpVersion.HTTP_1_1 ? request.connection() : null, target, topics, peer);
    c.expiresAtMs = expiresAtMs;
    response.setChunked(true)
        .setWriteQueueMaxSize(settings.get(GatewaySettings.WRITE_QUEUE_BYTES))
        .putHeader("Content-Type", WireNames.EVENT_STREAM)
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    if (request.version() != HttpVersion.HTTP_2) {
      // a stream ends only when cut or on shutdown: then the connection goes too, nothing lingers idle
      // (HTTP/2 forbids the header: there the stream ends and the connection serves others)
      response.putHeader("Connection", "close");
    }
    if (version == HttpVersion.HTTP_2) {
      stats.http2Streams.increment();
    }
    // the close handler lives as long as the stream: it holds what it needs, not the request (which would keep
    // vertx-web's routing context, its wrapper and maps alive, ~1 KiB per idle stream; docs/performance.md)
    if (version == HttpVersion.HTTP_2) {
      HttpConnection connection = request.connection();
      response.closeHandler(v -> {
        lane.remove(c);
        stats.http2Streams.decrement();
        http2StreamClosed.accept(connection);
      });
    } else {
      response.closeHandler(v -> lane.remove(c));
    }
    response.exceptionHandler(err -> lane.remove(c));
    fanOut.subscribe(lane, topics, from, plan -> {
      lane.start(c, plan, live.current());
      forgetHead(request, response);
    });
  }

  /**
   * Once a stream's head is written nothing reads its request or response headers again, but Vert.x keeps both
   * for the life of the response: emptied, an idle stream keeps only their empty tables (docs/performance.md).
   */
  private static void forgetHead(HttpServerRequest request, HttpServerResponse response) {
    if (response.headWritten()) {
      request.headers().clear();
      response.headers().clear();
    }
  }

  /**
   * Refuses a stream for a reason a later attempt may not meet ({@code shutting_down}, {@code too_many_streams},
   * {@code too_many_streams_from_address}): with {@code status} (503 or 429), {@code Retry-After} and the JSON body.
   * A client that accepts {@code text/event-stream} (a native {@code EventSource},
   * which gives up for good on any status but 200) gets instead a 200 stream that says {@code retry: <delay>}, a
   * {@link WireNames#REFUSED} event {@code {"error","message","retry_ms"}} and ends: a native EventSource comes
   * back after the delay, and the project's clients read the reason from the event. Everyone else (curl) gets the
   * status with its JSON body and {@code Retry-After}. The delay is the {@code Retry-After} time plus a random
   * share of it (shutting down: {@code retry_ms} plus up to {@code shutdown.retry_jitter_ms}), so refused clients
   * do not come back together.
   */
  private void refuseRetryable(HttpServerRequest request, GatewaySettings settings, int status, String code,
                               String message) {
    HttpServerResponse response = request.response();
    long retryAfterSeconds = status == 429 ? 5 : 1;
    if (!acceptsEventStream(request)) {
      response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
      reject(response, status, code, message);
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long delayMs;
    if ("shutting_down".equals(code)) {
      delayMs = settings.retryMs() + random.nextLong(settings.get(GatewaySettings.SHUTDOWN_RETRY_JITTER_MS) + 1L);
    } else {
      delayMs = retryAfterSeconds * 1000 + random.nextLong(retryAfterSeconds * 1000 + 1);
    }
    stats.rejected(code);
    if (response.ended() || response.closed()) {
      return;
    }
    JsonObject notice = new JsonObject().put("error", code).put("message", message).put("retry_ms", delayMs);
    response.setStatusCode(200)
        .putHeader("Content-Type", WireNames.EVENT_STREAM)
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .putHeader("Retry-After", Long.toString((delayMs + 999) / 1000))
        .end(SseEncoder.retry(delayMs).appendBuffer(SseEncoder.body(WireNames.REFUSED, notice.encode())));
  }

  /** Whether the request's {@code Accept} names {@code text/event-stream}: an EventSource, or a client like one. */
  static boolean acceptsEventStream(HttpServerRequest request) {
    for (String accept : request.headers().getAll("Accept")) {
      if (accept.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream")) {
        return true;
      }
    }
    return false;
  }

  private void reject(HttpServerResponse response, int status, String code, String message) {
    stats.rejected(code);
    HttpErrors.send(response, status, code, message);
  }
}
