package dev.ssegateway.publisher;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.RawHttp;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Expect: 100-continue} on {@code POST /publish} is answered at once: {@code 100 Continue} when the body
 * will be read, or the final refusal (401, 413, 415) before any body byte is sent, so a client never waits out
 * its own timeout.
 */
@ExtendWith(VertxExtension.class)
class ExpectContinueTest {

  private static final String BODY = "{\"x\":1}";

  private static Gateway start(Vertx vertx, JsonObject conf) throws Exception {
    GatewaySettings settings = TestSettings.of(conf.put("limits.max_event_bytes", 100));
    EventPublisher publisher = EventPublisher.install(vertx, "expect-node");
    IngestPublisher ingest = IngestPublisher.create(publisher, LiveSettings.create(settings), dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    return Gateway.deploy(vertx, settings, publisher.origin(), List.of(r -> r.post("/publish/:topic")
        .handler(ingest))).await(20, TimeUnit.SECONDS);
  }

  private static String head(int port, int length, String contentType, String extra) {
    return "POST /publish/t HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + length + "\r\nExpect: 100-continue\r\n" + extra + "\r\n";
  }

  @Test
  void aRequestThatWillBeReadGets100ContinueThenItsAnswer(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = start(vertx, new JsonObject());
    RawHttp c = RawHttp.connect(vertx, g.port()).await(10, TimeUnit.SECONDS);
    c.write(head(g.port(), BODY.length(), "application/json", "")).await(10, TimeUnit.SECONDS);
    String got = c.await("\r\n\r\n", 10_000).await(15, TimeUnit.SECONDS);
    assertTrue(got.startsWith("HTTP/1.1 100 Continue\r\n"), got);
    c.write(BODY).await(10, TimeUnit.SECONDS);
    c.await("\"id\"", 10_000).await(15, TimeUnit.SECONDS);
    assertEquals(202, c.lastResponse().status(), c.received());
    Await.until(vertx, () -> g.stats().eventsReceived.sum() == 1, 10_000, () -> "the event on the bus")
        .await(15, TimeUnit.SECONDS);
    c.close();
    ctx.completeNow();
  }

  /** The final refusal arrives without the body being sent, and no 100 before it. */
  private static RawHttp.Response refusedAtOnce(Vertx vertx, Gateway g, String head) throws Exception {
    RawHttp c = RawHttp.connect(vertx, g.port()).await(10, TimeUnit.SECONDS);
    c.write(head).await(10, TimeUnit.SECONDS);
    c.await("\"message\"", 10_000).await(15, TimeUnit.SECONDS);
    c.await("}", 10_000).await(15, TimeUnit.SECONDS);
    assertFalse(c.received().contains("100 Continue"), c.received());
    RawHttp.Response r = c.lastResponse();
    c.close();
    return r;
  }

  @Test
  void aDeclaredBodyOverTheLimitIs413AtOnce(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = start(vertx, new JsonObject());
    RawHttp.Response r = refusedAtOnce(vertx, g, head(g.port(), 5000, "application/json", ""));
    assertEquals(413, r.status(), r.head());
    assertTrue(r.body().contains("payload_too_large"), r.body());
    assertEquals(0, g.stats().eventsReceived.sum());
    ctx.completeNow();
  }

  @Test
  void aMissingTokenIs401AtOnce(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = start(vertx, new JsonObject().put("ingest.token", "the-token"));
    RawHttp.Response r = refusedAtOnce(vertx, g, head(g.port(), BODY.length(), "application/json", ""));
    assertEquals(401, r.status(), r.head());
    assertTrue(r.body().contains("unauthorized"), r.body());
    RawHttp.Response wrongType = refusedAtOnce(vertx, g, head(g.port(), BODY.length(), "image/png",
        "Authorization: Bearer the-token\r\n"));
    assertEquals(415, wrongType.status(), wrongType.head());
    assertEquals(0, g.stats().eventsReceived.sum());
    ctx.completeNow();
  }
}
