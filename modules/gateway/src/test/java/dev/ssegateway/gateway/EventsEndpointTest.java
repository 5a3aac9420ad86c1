package dev.ssegateway.gateway;

import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class EventsEndpointTest {

  private Gateway gateway;
  private HttpClient client;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_topics_per_connection", 3)
            .put("retry_ms", 750)), "node-a")
        .onComplete(ctx.succeeding(g -> {
          gateway = g;
          ctx.completeNow();
        }));
  }

  private Future<JsonObject> get(String uri, String header, String value) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(gateway.port()).setURI(uri);
    if (header != null) {
      options.putHeader(header, value);
    }
    return client.request(options).compose(r -> r.send().compose(resp -> resp.body().map(body -> new JsonObject()
        .put("status", resp.statusCode())
        .put("type", resp.getHeader("Content-Type"))
        .put("body", body.length() > 0 && body.getByte(0) == '{' ? body.toJsonObject() : new JsonObject()))));
  }

  private void expectError(VertxTestContext ctx, String uri, String header, String value, int status, String code) {
    get(uri, header, value).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(status, r.getInteger("status"), r.encode());
      assertTrue(r.getString("type").startsWith("application/json"), r.encode());
      assertEquals(code, r.getJsonObject("body").getString("error"), r.encode());
      assertTrue(r.getJsonObject("body").getString("message").length() > 10, r.encode());
      ctx.completeNow();
    })));
  }

  @Test
  void streamStartsWithHeadersRetryAndHelloNamingNodeAndHeartbeat(VertxTestContext ctx) {
    SseTestClient.open(client, gateway.port(), "/events?topic=a&topic=b")
        .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s))
        .onComplete(ctx.succeeding(s -> ctx.verify(() -> {
          assertEquals("text/event-stream; charset=utf-8", s.response().getHeader("Content-Type"));
          assertEquals("no-cache", s.response().getHeader("Cache-Control"));
          assertEquals("no", s.response().getHeader("X-Accel-Buffering"));
          assertEquals(WireNames.HELLO, s.frames().get(0).type());
          assertEquals(750, s.frames().get(0).retry());
          JsonObject hello = new JsonObject(s.frames().get(0).data());
          assertEquals("node-a", hello.getString("node"));
          assertEquals(10000, hello.getInteger("heartbeat_ms"));
          assertEquals("[\"a\",\"b\"]", hello.getJsonArray("topics").encode());
          ctx.completeNow();
        })));
  }

  @Test
  void missingTopicIsA400(VertxTestContext ctx) {
    expectError(ctx, "/events", null, null, 400, "missing_topic");
  }

  @Test
  void topicWithLineBreakCannotInjectAField(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=a%0D%0Adata:%20x", null, null, 400, "invalid_topic");
  }

  @Test
  void topicWithNulIsRefused(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=a%00b", null, null, 400, "invalid_topic");
  }

  @Test
  void overlongTopicIsRefused(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=" + "x".repeat(129), null, null, 400, "invalid_topic");
  }

  @Test
  void tooManyTopicsIsA400(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=a&topic=b&topic=c&topic=d", null, null, 400, "too_many_topics");
  }

  @Test
  void malformedLastEventIdHeaderIsA400(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=a", "Last-Event-ID", "not a cursor", 400, "invalid_last_event_id");
  }

  @Test
  void malformedLastEventIdParameterIsA400(VertxTestContext ctx) {
    expectError(ctx, "/events?topic=a&lastEventId=n1:zz!", null, null, 400, "invalid_last_event_id");
  }
}
