package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
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

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cross-origin access follows {@code cors.allowed_origins}: listed origins pass preflight, others never see CORS headers. */
@ExtendWith(VertxExtension.class)
class CorsTest {

  private static final String APP = "https://app.example.com";

  private static HttpClientResponse preflight(HttpClient client, int port, String origin) throws Exception {
    return client.request(new RequestOptions().setMethod(HttpMethod.OPTIONS).setHost("127.0.0.1").setPort(port)
            .setURI("/events?topic=a").putHeader("Origin", origin)
            .putHeader("Access-Control-Request-Method", "GET")
            .putHeader("Access-Control-Request-Headers", "last-event-id"))
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp))).await(10, TimeUnit.SECONDS);
  }

  @Test
  void allowedOriginPassesPreflightWithCredentialsAndOthersAreRefused(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject()
        .put("cors.allowed_origins", APP + ", https://other.example.org")
        .put("cors.allow_credentials", true)), "n").await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();

    HttpClientResponse ok = preflight(client, g.port(), APP);
    assertTrue(ok.statusCode() == 200 || ok.statusCode() == 204, "status " + ok.statusCode());
    assertEquals(APP, ok.getHeader("Access-Control-Allow-Origin"));
    assertEquals("true", ok.getHeader("Access-Control-Allow-Credentials"));
    assertTrue(ok.getHeader("Access-Control-Allow-Methods").contains("GET"), ok.getHeader("Access-Control-Allow-Methods"));
    assertTrue(ok.getHeader("Access-Control-Allow-Headers").toLowerCase().contains("last-event-id"),
        ok.getHeader("Access-Control-Allow-Headers"));

    HttpClientResponse refused = preflight(client, g.port(), "https://evil.example.net");
    assertEquals(403, refused.statusCode());
    assertNull(refused.getHeader("Access-Control-Allow-Origin"));

    SseTestClient stream = SseTestClient.open(client, g.port(), "/events?topic=a",
        MultiMap.caseInsensitiveMultiMap().add("Origin", APP)).await(10, TimeUnit.SECONDS);
    assertEquals(APP, stream.response().getHeader("Access-Control-Allow-Origin"), "the stream itself carries CORS");
    ctx.completeNow();
  }

  @Test
  void withoutAllowedOriginsNoCorsHeaderIsSent(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(), "n").await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    SseTestClient stream = SseTestClient.open(client, g.port(), "/events?topic=a",
        MultiMap.caseInsensitiveMultiMap().add("Origin", APP)).await(10, TimeUnit.SECONDS);
    assertNull(stream.response().getHeader("Access-Control-Allow-Origin"));
    assertNull(preflight(client, g.port(), APP).getHeader("Access-Control-Allow-Origin"));
    ctx.completeNow();
  }
}
