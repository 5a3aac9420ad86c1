package dev.ssegateway.publisher;

import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class IngestPublisherTest {

  private Gateway gateway;
  private HttpClient client;
  private Vertx vertx;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
    var settings = TestSettings.of(new JsonObject().put("limits.max_event_bytes", 100));
    EventPublisher publisher = EventPublisher.install(vertx, "ingest-node");
    LiveSettings live = LiveSettings.create(settings);
    IngestPublisher ingest = IngestPublisher.create(publisher, live, dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    Gateway.deploy(vertx, settings, publisher.origin(), List.of(r -> r.post("/publish/:topic").handler(ingest)))
        .onComplete(ctx.succeeding(g -> {
          gateway = g;
          ctx.completeNow();
        }));
  }

  private Future<JsonObject> post(String uri, String contentType, Buffer body, boolean chunked) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(gateway.port()).setURI(uri);
    if (contentType != null) {
      options.putHeader("Content-Type", contentType);
    }
    return client.request(options).compose(req -> {
      if (chunked) {
        req.setChunked(true);
      }
      return req.send(body);
    }).compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
        .put("body", b.toJsonObject())));
  }

  private void expect(VertxTestContext ctx, Future<JsonObject> result, int status, String code) {
    result.compose(r -> {
      ctx.verify(() -> {
        assertEquals(status, r.getInteger("status"), r.encode());
        assertEquals(code, r.getJsonObject("body").getString("error"), r.encode());
        assertTrue(r.getJsonObject("body").getString("message").length() > 10, r.encode());
      });
      return nothingHalfPublished();
    }).onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  /**
   * Nothing of a refused request reached the bus: the next accepted event is the first one the gateway
   * receives, and nothing was dropped.
   */
  private Future<Void> nothingHalfPublished() {
    return post("/publish/t", "text/plain", Buffer.buffer("next"), false)
        .compose(r -> {
          if (r.getInteger("status") != 202) {
            return Future.failedFuture("good event after a refused one: " + r.encode());
          }
          return Await.until(vertx, () -> gateway.stats().eventsReceived.sum() >= 1, 5000, () -> "the good event");
        })
        .compose(v -> gateway.stats().eventsReceived.sum() == 1 && gateway.stats().eventsDropped.sum() == 0
            ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture("a refused request reached the bus: " + gateway.stats().toJson()));
  }

  @Test
  void acceptedJsonIsAnsweredWithItsIdAndReachesEveryStreamAsTheNamedEvent(VertxTestContext ctx) {
    SseTestClient.open(client, gateway.port(), "/events?topic=demo")
        .compose(s -> s.awaitType("hello", 1).map(f -> s))
        .compose(s -> post("/publish/demo?event=greeting", "application/json", Buffer.buffer("{\"hello\":1}"), false)
            .compose(r -> s.awaitType("greeting", 1).map(frames -> List.of(r, frames))))
        .onComplete(ctx.succeeding(pair -> ctx.verify(() -> {
          JsonObject reply = (JsonObject) pair.get(0);
          @SuppressWarnings("unchecked")
          List<SseFrame> frames = (List<SseFrame>) pair.get(1);
          assertEquals(202, reply.getInteger("status"));
          String id = reply.getJsonObject("body").getString("id");
          assertTrue(id.startsWith("ingest-node."), id);
          SseFrame greeting = frames.stream().filter(f -> f.type().equals("greeting")).findFirst().orElseThrow();
          assertEquals("{\"hello\":1}", greeting.data());
          assertTrue(greeting.id().contains(id), "stream id " + greeting.id() + " covers " + id);
          ctx.completeNow();
        })));
  }

  @Test
  void plainTextIsPublishedAsIs(VertxTestContext ctx) {
    SseTestClient.open(client, gateway.port(), "/events?topic=t")
        .compose(s -> s.awaitType("hello", 1).map(f -> s))
        .compose(s -> post("/publish/t", "text/plain; charset=utf-8", Buffer.buffer("two\nlines é"), false)
            .compose(r -> s.awaitType("message", 1)))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals("two\nlines é", frames.get(frames.size() - 1).data());
          ctx.completeNow();
        })));
  }

  @Test
  void invalidTopicIs400(VertxTestContext ctx) {
    expect(ctx, post("/publish/bad%0Atopic", "text/plain", Buffer.buffer("x"), false), 400, "invalid_topic");
  }

  @Test
  void reservedEventTypeIs400(VertxTestContext ctx) {
    expect(ctx, post("/publish/t?event=heartbeat", "text/plain", Buffer.buffer("x"), false), 400, "invalid_event_type");
  }

  @Test
  void eventTypeWithLineBreakIs400(VertxTestContext ctx) {
    expect(ctx, post("/publish/t?event=a%0Adata:%20x", "text/plain", Buffer.buffer("x"), false), 400,
        "invalid_event_type");
  }

  @Test
  void bodyOverTheMaximumIs413(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", "text/plain", Buffer.buffer("x".repeat(101)), false), 413, "payload_too_large");
  }

  @Test
  void chunkedBodyOverTheMaximumIs413(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", "text/plain", Buffer.buffer("x".repeat(500)), true), 413, "payload_too_large");
  }

  @Test
  void unsupportedContentTypeIs415(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", "application/xml", Buffer.buffer("<a/>"), false), 415, "unsupported_media_type");
  }

  @Test
  void missingContentTypeIs415(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", null, Buffer.buffer("x"), false), 415, "unsupported_media_type");
  }

  @Test
  void nonUtf8CharsetIs415(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", "text/plain; charset=iso-8859-1", Buffer.buffer("x"), false), 415,
        "unsupported_charset");
  }

  @Test
  void invalidJsonIs400(VertxTestContext ctx) {
    expect(ctx, post("/publish/t", "application/json", Buffer.buffer("{\"a\":"), false), 400, "invalid_json");
  }

  @Test
  void jsonWithCommentsOrOtherLeniencyIs400AndPublishesNothing(VertxTestContext ctx) {
    List<String> bodies = List.of("/*c*/{\"a\":1}", "{'a':1}", "{\"a\":1,}", "{a:1}", "{\"a\":NaN}",
        "{\"a\":01}", "{\"a\":1} x", "// c\n1");
    Future<Void> all = Future.succeededFuture();
    for (String body : bodies) {
      all = all.compose(v -> post("/publish/t", "application/json", Buffer.buffer(body), false)).compose(r -> {
        JsonObject b = r.getJsonObject("body");
        return r.getInteger("status") == 400 && "invalid_json".equals(b.getString("error"))
            ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(body + " -> " + r.encode());
      });
    }
    all.compose(v -> nothingHalfPublished()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void invalidUtf8Is400(VertxTestContext ctx) {
    Buffer bad = Buffer.buffer(new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});
    expect(ctx, post("/publish/t", "text/plain", bad, false), 400, "invalid_utf8");
  }
}
