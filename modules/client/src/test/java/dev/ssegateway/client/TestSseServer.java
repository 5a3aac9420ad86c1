package dev.ssegateway.client;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A scripted SSE server for client tests, on 127.0.0.1 and an ephemeral port: request number {@code i}
 * (from 0) is answered by {@code script.accept(i, request)}. Every request is recorded.
 */
final class TestSseServer {

  /** One request as the server saw it. */
  record Hit(int index, long atNanos, String uri, String lastEventId, MultiMap headers) {
  }

  private final HttpServer server;
  final List<Hit> hits = new CopyOnWriteArrayList<>();

  private TestSseServer(HttpServer server) {
    this.server = server;
  }

  static Future<TestSseServer> start(Vertx vertx, BiConsumer<Integer, HttpServerRequest> script) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    TestSseServer s = new TestSseServer(server);
    server.requestHandler(req -> {
      int index = s.hits.size();
      s.hits.add(new Hit(index, System.nanoTime(), req.uri(), req.getHeader("Last-Event-ID"), req.headers()));
      script.accept(index, req);
    });
    return server.listen().map(v -> s);
  }

  /** A port that refuses connections: bound, then released. */
  static Future<Integer> closedPort(Vertx vertx) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    return server.requestHandler(r -> { }).listen().compose(s -> {
      int port = s.actualPort();
      return s.close().map(v -> port);
    });
  }

  int port() {
    return server.actualPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  Future<Void> close() {
    return server.close();
  }

  /** Starts a 200 event stream with the gateway's headers. */
  static HttpServerResponse stream(HttpServerRequest req) {
    return req.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
  }

  static String frame(String type, String id, String data) {
    StringBuilder b = new StringBuilder();
    if (id != null) {
      b.append("id: ").append(id).append('\n');
    }
    if (type != null) {
      b.append("event: ").append(type).append('\n');
    }
    for (String line : data.split("\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    return b.append('\n').toString();
  }

  static String hello(String node, String id, long heartbeatMs) {
    return "retry: 500\n" + frame("hello", id, "{\"node\":\"" + node + "\",\"heartbeat_ms\":" + heartbeatMs + "}");
  }

  static String heartbeat(long heartbeatMs) {
    return frame("heartbeat", null, "{\"heartbeat_ms\":" + heartbeatMs + "}");
  }

  static void error(HttpServerRequest req, int status, String error, String message) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
  }
}
