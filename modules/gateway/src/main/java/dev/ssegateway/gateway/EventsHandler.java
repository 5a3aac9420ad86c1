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
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
  private final Consumer<HttpConnection> streamOpened;

  /** {@code streamOpened} is told of each connection whose request became a stream ({@link ConnectionGate}). */
  EventsHandler(FanOut fanOut, Lane lane, GatewayStats stats, LiveSettings live,
                Consumer<HttpConnection> streamOpened) {
    this.streamOpened = streamOpened;
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
    if (lane.closing) {
      response.putHeader("Retry-After", "1");
      reject(response, 503, "shutting_down", "this node is shutting down; reconnect, another node will serve you");
      return;
    }
    if (!settings.get(GatewaySettings.AUTH_SUBSCRIBE_REQUIRED)) {
      open(ctx, settings, topics, from);
      return;
    }
    TokenAuth.of(ctx.vertx()).allowSubscribe(request, topics, settings).onComplete(allowed -> {
      if (allowed.succeeded() && allowed.result()) {
        open(ctx, settings, topics, from);
      } else {
        stats.rejectedRequests.increment();
        if (allowed.failed()) {
          HttpErrors.send(response, 500, "internal_error", "the token could not be checked");
        }
      }
    });
  }

  /** Applies the connection limits, then opens the stream. */
  private void open(RoutingContext ctx, GatewaySettings settings, Set<String> topics, Cursor from) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (lane.closing) {
      response.putHeader("Retry-After", "1");
      reject(response, 503, "shutting_down", "this node is shutting down; reconnect, another node will serve you");
      return;
    }
    int maxConnections = settings.get(GatewaySettings.MAX_CONNECTIONS);
    if (stats.openStreams() >= maxConnections) {
      response.putHeader("Retry-After", "1");
      reject(response, 503, "too_many_streams", "this node holds limits.max_connections=" + maxConnections
          + " streams; retry later or on another node");
      return;
    }
    String peer = request.remoteAddress() == null ? "?" : request.remoteAddress().host();
    int perAddress = settings.get(GatewaySettings.MAX_CONNECTIONS_PER_ADDRESS);
    if (!stats.perAddress.tryAcquire(peer, perAddress)) {
      response.putHeader("Retry-After", "5");
      reject(response, 429, "too_many_streams_from_address", "this address holds limits.max_connections_per_address="
          + perAddress + " streams on this node; close one or retry later");
      return;
    }
    stats.openStreams.increment();
    stats.streamsOpened.increment();
    streamOpened.accept(request.connection());
    StreamConnection c = new StreamConnection(response,
        request.version() == HttpVersion.HTTP_1_1 ? request.connection() : null, topics, peer);
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
    response.closeHandler(v -> lane.remove(c));
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

  private void reject(HttpServerResponse response, int status, String code, String message) {
    stats.rejected(code);
    HttpErrors.send(response, status, code, message);
  }
}
