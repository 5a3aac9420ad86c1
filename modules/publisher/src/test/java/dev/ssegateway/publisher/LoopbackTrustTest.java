package dev.ssegateway.publisher;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.RawHttp;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With no ingest credential configured, loopback trust cannot be borrowed by a web page: a form POST from
 * another site ({@code Origin: https://evil.example}) and a DNS-rebound request ({@code Host: attacker.example})
 * are 403 and publish nothing, while curl-like requests from loopback, the gateway's own page, listed CORS
 * origins and {@code http.allowed_hosts} names still publish. With a token, Host and Origin do not matter.
 */
@ExtendWith(VertxExtension.class)
class LoopbackTrustTest {

  private record Node(Gateway gateway, Vertx vertx) {
    int port() {
      return gateway.port();
    }

    /** POST /publish/t to 127.0.0.1 with {@code Host: host}, and {@code headers}; answers status and body. */
    JsonObject post(String host, MultiMap headers) throws Exception {
      StringBuilder request = new StringBuilder("POST /publish/t HTTP/1.1\r\nHost: " + host
          + "\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n");
      headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
      RawHttp.Response r = RawHttp.exchange(vertx, port(), request.append("\r\nhello=world").toString())
          .await(15, TimeUnit.SECONDS);
      return new JsonObject().put("status", r.status())
          .put("body", r.body().startsWith("{") ? new JsonObject(r.body()) : new JsonObject());
    }

    JsonObject post(String host) throws Exception {
      return post(host, MultiMap.caseInsensitiveMultiMap());
    }

    JsonObject post(String host, String origin) throws Exception {
      return post(host, MultiMap.caseInsensitiveMultiMap().add("Origin", origin));
    }

    long published() {
      return gateway.stats().eventsReceived.sum();
    }

    /**
     * Waits until the gateway received {@code count} events (a 202 answers before the fan-out has the event), then
     * checks it is exactly that many: a refused request published before would make it more.
     */
    void expectPublished(long count, String what) throws Exception {
      Await.until(vertx, () -> published() >= count, 10_000, () -> count + " events").await(15, TimeUnit.SECONDS);
      assertEquals(count, published(), what);
    }
  }

  private static Node start(Vertx vertx, JsonObject conf) throws Exception {
    GatewaySettings settings = TestSettings.of(conf);
    EventPublisher publisher = EventPublisher.install(vertx, "trust-node");
    LiveSettings live = LiveSettings.create(settings);
    IngestPublisher ingest = IngestPublisher.create(publisher, live, dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    Gateway g = Gateway.deploy(vertx, live, publisher.origin(), List.of(r -> r.post("/publish/:topic")
        .handler(ingest)), new dev.ssegateway.gateway.HealthOptions()).await(20, TimeUnit.SECONDS);
    return new Node(g, vertx);
  }

  private static void assertStatus(JsonObject r, int status, String error) {
    assertEquals(status, r.getInteger("status"), r.encode());
    if (error != null) {
      assertEquals(error, r.getJsonObject("body").getString("error"), r.encode());
      assertTrue(r.getJsonObject("body").getString("message").length() > 20, r.encode());
    }
  }

  @Test
  void aFormPostFromAnotherSiteIs403AndPublishesNothing(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject());
    String host = "127.0.0.1:" + n.port();
    JsonObject r = n.post(host, "https://evil.example");
    assertStatus(r, 403, "untrusted_origin");
    assertTrue(r.getJsonObject("body").getString("message").contains("https://evil.example"), r.encode());
    assertStatus(n.post(host, "null"), 403, "untrusted_origin");
    assertStatus(n.post(host, "http://127.0.0.1:" + (n.port() + 1)), 403, "untrusted_origin");
    assertStatus(n.post("localhost:" + n.port(), "http://127.0.0.1:" + n.port()), 403, "untrusted_origin");
    n.expectPublished(0, "nothing of a refused request was published");
    // the gateway's own page may publish
    assertStatus(n.post(host, "http://" + host), 202, null);
    assertStatus(n.post("localhost:" + n.port(), "http://localhost:" + n.port()), 202, null);
    n.expectPublished(2, "events published");
    ctx.completeNow();
  }

  @Test
  void onlyOriginsOnTheCorsListMayPublishCrossOrigin(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject().put("cors.allowed_origins", "https://app.example.com"));
    String host = "127.0.0.1:" + n.port();
    // refused by CORS or by the loopback check: either way 403 and nothing published
    assertEquals(403, n.post(host, "https://evil.example").getInteger("status"));
    n.expectPublished(0, "nothing of a refused request was published");
    assertStatus(n.post(host, "https://app.example.com"), 202, null);
    n.expectPublished(1, "events published");
    ctx.completeNow();
  }

  @Test
  void aWildcardCorsListDoesNotLendLoopbackTrust(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject().put("cors.allowed_origins", "*"));
    assertStatus(n.post("127.0.0.1:" + n.port(), "https://evil.example"), 403, "untrusted_origin");
    assertStatus(n.post("127.0.0.1:" + n.port()), 202, null);
    n.expectPublished(1, "only the request without Origin was published");
    ctx.completeNow();
  }

  @Test
  void aRequestNamingAForeignHostIs403(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject());
    for (String host : List.of("attacker.example", "attacker.example:" + n.port(), "localhost.attacker.example",
        "0.0.0.0:" + n.port(), "10.0.0.1", "127.0.0.1.nip.io", "[::2]:" + n.port())) {
      assertStatus(n.post(host), 403, "untrusted_host");
    }
    assertStatus(n.post("127.0.0.1:" + n.port()), 202, null);
    n.expectPublished(1, "nothing of a refused request was published");
    ctx.completeNow();
  }

  @Test
  void curlLikeRequestsFromLoopbackStillPublish(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject());
    int published = 0;
    for (String host : List.of("127.0.0.1:" + n.port(), "127.0.0.1", "localhost:" + n.port(), "LOCALHOST",
        "127.1.2.3:" + n.port(), "[::1]:" + n.port(), "[::1]")) {
      assertStatus(n.post(host), 202, null);
      n.expectPublished(++published, host);
    }
    ctx.completeNow();
  }

  @Test
  void aConfiguredHostNameIsTrustedAndCanBeAddedLive(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject().put("http.allowed_hosts", "gateway.internal, Other.Internal"));
    assertStatus(n.post("gateway.internal:" + n.port()), 202, null);
    assertStatus(n.post("other.internal"), 202, null);
    assertStatus(n.post("third.internal"), 403, "untrusted_host");
    LiveSettings live = n.gateway().settings();
    live.apply(vertx, dev.ssegateway.core.SettingsValidator.apply(live.current(),
        new JsonObject().put("http.allowed_hosts", "third.internal")));
    assertStatus(n.post("third.internal"), 202, null);
    n.expectPublished(3, "events published");
    ctx.completeNow();
  }

  @Test
  void withATokenHostAndOriginDoNotMatter(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject().put("ingest.token", "the-ingest-token"));
    MultiMap bearer = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer the-ingest-token");
    assertStatus(n.post("attacker.example", bearer), 202, null);
    assertStatus(n.post("127.0.0.1", MultiMap.caseInsensitiveMultiMap().addAll(bearer)
        .add("Origin", "https://evil.example")), 202, null);
    assertStatus(n.post("127.0.0.1"), 401, "unauthorized");
    n.expectPublished(2, "events published");
    ctx.completeNow();
  }
}
