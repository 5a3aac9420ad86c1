package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection and request limits: each refusal has its status, Retry-After where a retry helps, and a JSON body. */
@ExtendWith(VertxExtension.class)
class ConnectionLimitsTest {

  private static Future<JsonObject> get(HttpClient client, int port, String uri, String header, String value) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (header != null) {
      options.putHeader(header, value);
    }
    return client.request(options).compose(r -> r.send().compose(resp -> resp.body().map(body -> result(resp, body
            .toString()))))
        // the client stays reachable until the answer: Vert.x 5 closes the connections of a garbage-collected client
        .andThen(ar -> java.lang.ref.Reference.reachabilityFence(client));
  }

  private static JsonObject result(HttpClientResponse resp, String body) {
    return new JsonObject().put("status", resp.statusCode())
        .put("retry_after", resp.getHeader("Retry-After"))
        .put("body", body.startsWith("{") ? new JsonObject(body) : new JsonObject());
  }

  private static void assertRefused(JsonObject r, int status, String code, boolean retryAfter) {
    assertEquals(status, r.getInteger("status"), r.encode());
    assertEquals(code, r.getJsonObject("body").getString("error"), r.encode());
    assertTrue(r.getJsonObject("body").getString("message").length() > 10, r.encode());
    if (retryAfter) {
      assertNotNull(r.getString("retry_after"), r.encode());
    }
  }

  @Test
  void streamsBeyondMaxConnectionsGet503WithRetryAfter(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_connections", 2)), "n")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=a")
            .compose(s -> SseTestClient.open(client, g.port(), "/events?topic=a"))
            .compose(s -> get(client, g.port(), "/events?topic=a", null, null))
            .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
              assertRefused(r, 503, "too_many_streams", true);
              assertEquals(2, g.stats().openStreams());
              ctx.completeNow();
            }))));
  }

  @Test
  void streamsBeyondMaxConnectionsPerAddressGet429AndTheSlotIsGivenBackOnClose(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_connections_per_address", 2)), "n")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=a")
            .compose(first -> SseTestClient.open(client, g.port(), "/events?topic=b")
                .compose(second -> get(client, g.port(), "/events?topic=c", null, null))
                .compose(r -> {
                  ctx.verify(() -> {
                    assertRefused(r, 429, "too_many_streams_from_address", true);
                    assertEquals(2, g.stats().perAddress.of("127.0.0.1"));
                  });
                  return first.close();
                }))
            .compose(v -> Await.until(vertx, () -> g.stats().perAddress.of("127.0.0.1") == 1, 10_000,
                () -> "slot given back: " + g.stats().perAddress.of("127.0.0.1")))
            .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=c"))
            .onComplete(ctx.succeeding(s -> ctx.verify(() -> {
              assertEquals(2, g.stats().perAddress.of("127.0.0.1"));
              ctx.completeNow();
            }))));
  }

  /** The answer an EventSource gets to a refusal that retrying fixes: read to its end. */
  private static Future<List<SseFrame>> refusedStream(HttpClient client, int port, String uri) {
    return SseTestClient.open(client, port, uri, MultiMap.caseInsensitiveMultiMap().add("Accept", "text/event-stream"))
        .compose(s -> s.ended().map(v -> {
          assertEquals(WireNames.EVENT_STREAM, s.response().getHeader("Content-Type"));
          return s.frames();
        }));
  }

  private static void assertRefusedStream(List<SseFrame> frames, String code, long minMs, long maxMs) {
    assertEquals(1, frames.size(), frames.toString());
    SseFrame refused = frames.get(0);
    assertEquals(WireNames.REFUSED, refused.type(), frames.toString());
    JsonObject data = new JsonObject(refused.data());
    assertEquals(code, data.getString("error"), data.encode());
    assertTrue(data.getString("message").length() > 10, data.encode());
    long retryMs = data.getLong("retry_ms");
    assertEquals(retryMs, refused.retry(), "the retry: field an EventSource follows is the notice's retry_ms");
    assertTrue(retryMs >= minMs && retryMs <= maxMs, retryMs + " in " + minMs + ".." + maxMs);
  }

  @Test
  void anEventSourceRefusedForTooManyStreamsGetsA200StreamWithRetryAndTheReasonThenItsEnd(Vertx vertx,
                                                                                        VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_connections", 1)), "n")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=a")
            .compose(s -> refusedStream(client, g.port(), "/events?topic=a"))
            .compose(frames -> {
              ctx.verify(() -> assertRefusedStream(frames, "too_many_streams", 1000, 2000));
              // a refusal retrying cannot fix stays an error status, even for an EventSource
              return get(client, g.port(), "/events?topic=.bad", "Accept", "text/event-stream");
            })
            .compose(bad -> {
              ctx.verify(() -> assertRefused(bad, 400, "invalid_topic", false));
              return get(client, g.port(), "/events?topic=a", "Accept", "*/*");
            })
            .onComplete(ctx.succeeding(curl -> ctx.verify(() -> {
              assertRefused(curl, 503, "too_many_streams", true);
              assertEquals(1, g.stats().openStreams());
              assertEquals(2, g.stats().rejectedByReason.count("too_many_streams"));
              ctx.completeNow();
            }))));
  }

  @Test
  void anEventSourceRefusedPerAddressOrForShutdownGetsA200StreamWithRetryAndTheReason(Vertx vertx,
                                                                                    VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_connections_per_address", 2)
            .put("retry_ms", 700).put("shutdown.retry_jitter_ms", 300)), "n")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=a")
            .compose(s -> SseTestClient.open(client, g.port(), "/events?topic=a"))
            .compose(s -> refusedStream(client, g.port(), "/events?topic=b"))
            .compose(frames -> {
              ctx.verify(() -> assertRefusedStream(frames, "too_many_streams_from_address", 5000, 10_000));
              List<Future<Void>> closing = new java.util.ArrayList<>();
              for (Lane lane : g.fanOutLanes()) { // what GatewayVerticle.stop does first, on the lane's loop
                io.vertx.core.Promise<Void> set = io.vertx.core.Promise.promise();
                lane.context().runOnContext(x -> {
                  lane.closing = true;
                  set.complete();
                });
                closing.add(set.future());
              }
              return Future.all(closing);
            })
            .compose(v -> refusedStream(client, g.port(), "/events?topic=b"))
            .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
              assertRefusedStream(frames, "shutting_down", 700, 1000);
              ctx.completeNow();
            }))));
  }

  @Test
  void requestHeadersLargerThanMaxHeaderBytesGet431(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_header_bytes", 2048)), "n")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=a",
                io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("X-Big", "v".repeat(1500)))
            .compose(v -> client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                .setPort(g.port()).setURI("/events?topic=a").putHeader("X-Big", "v".repeat(4000))))
            .compose(r -> r.send())
            .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
              assertEquals(431, resp.statusCode());
              ctx.completeNow();
            }))));
  }
}
