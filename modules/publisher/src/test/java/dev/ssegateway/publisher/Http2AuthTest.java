package dev.ssegateway.publisher;

import dev.ssegateway.core.WireNames;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code auth.subscribe_required} holds per HTTP/2 stream: on one connection, a stream request without a token is
 * refused 401, one whose JWT does not grant the topic 403, and one whose JWT does is served, each on its own.
 */
@ExtendWith(VertxExtension.class)
class Http2AuthTest {

  private static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  @Test
  void eachHttp2StreamOfAConnectionIsAuthorizedOnItsOwn(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject() // h2c: on by default
        .put("auth.jwt_secret", SECRET).put("auth.subscribe_required", true)), "n1").await(20, TimeUnit.SECONDS);
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false), new PoolOptions().setHttp2MaxSize(1));
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer(SECRET)));
    String orders = signer.generateToken(new JsonObject().put("sub", "t").put("sse.subscribe",
        new JsonArray(List.of("orders"))), new JWTOptions().setAlgorithm("HS256"));

    SseTestClient granted = SseTestClient.open(h2, g.port(), "/events?topic=orders",
        MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + orders)).await(10, TimeUnit.SECONDS);
    granted.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    assertEquals(HttpVersion.HTTP_2, granted.response().version());
    HttpConnection connection = granted.response().request().connection();

    Refusal none = refusal(h2, g.port(), null);
    assertEquals(401, none.status(), none.body().encode());
    Refusal other = refusal(h2, g.port(), "Bearer " + orders);
    assertEquals(403, other.status(), other.body().encode());
    assertEquals("forbidden", other.body().getString("error"));
    assertSame(connection, none.connection(), "the refusals used the stream's connection");
    assertSame(connection, other.connection(), "the refusals used the stream's connection");
    assertEquals(1, g.stats().openStreams(), "the granted stream is untouched");
    ctx.completeNow();
  }

  private record Refusal(int status, JsonObject body, HttpConnection connection) {
  }

  /** GET /events?topic=billing with {@code authorization}: status, JSON body and the connection it went over. */
  private static Refusal refusal(HttpClient h2, int port, String authorization) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/events?topic=billing");
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    return h2.request(options).compose(r -> r.send().compose(resp -> resp.body().map(b -> new Refusal(
            resp.statusCode(), new JsonObject(b), r.connection()))))
        .await(10, TimeUnit.SECONDS);
  }
}
