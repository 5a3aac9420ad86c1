package dev.ssegateway.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code /admin/*} accepts the admin token or a JWT with {@code sse.admin: true}; other JWTs get 403. */
@ExtendWith(VertxExtension.class)
class AdminTokenAuthTest {

  private static final String SECRET = "admin-test-secret-admin-test-secret-0123456789";

  private static Future<JsonObject> get(HttpClient client, int port, String bearer) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(AdminConfigHandler.PATH);
    if (bearer != null) {
      options.putHeader("Authorization", "Bearer " + bearer);
    }
    return client.request(options).compose(r -> r.send().compose(resp -> resp.body().map(b -> new JsonObject()
        .put("status", resp.statusCode()).put("body", b.toJsonObject()))));
  }

  @Test
  void adminClaimOrAdminTokenGetsInOtherTokensDoNot(Vertx vertx, VertxTestContext ctx) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer(SECRET)));
    JWTOptions hs = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(300);
    String admin = signer.generateToken(new JsonObject().put("sse.admin", true), hs);
    String publisher = signer.generateToken(new JsonObject().put("sse.publish", new JsonArray().add("*")), hs);
    JsonObject conf = TestNode.conf(new JsonObject().put("admin.token", "static-admin").put("auth.jwt_secret", SECRET));
    HttpClient client = vertx.createHttpClient();
    vertx.runOnContext(v -> TestNode.start(vertx, null, conf)
        .compose(n -> {
          int port = n.gateway().port();
          return get(client, port, admin)
              .compose(r -> check(ctx, r, 200, null).compose(x -> get(client, port, "static-admin")))
              .compose(r -> check(ctx, r, 200, null).compose(x -> get(client, port, publisher)))
              .compose(r -> check(ctx, r, 403, "forbidden").compose(x -> get(client, port, null)))
              .compose(r -> check(ctx, r, 401, "unauthorized").compose(x -> get(client, port, "wrong")))
              .compose(r -> check(ctx, r, 401, "invalid_token"));
        })
        .onComplete(ctx.succeedingThenComplete()));
  }

  /**
   * The admin routes check tokens with the TokenAuth they were built with, not one looked up on the node: an instance
   * that knows the JWT key, loaded on another Vert.x (so nothing is registered on this one, whose settings name only
   * an admin token), lets a JWT with {@code sse.admin: true} into {@code /admin/config} and {@code /admin/stats}.
   */
  @Test
  void adminRoutesUseTheTokenAuthTheyAreGiven(Vertx vertx, VertxTestContext ctx) throws Exception {
    Vertx other = Vertx.vertx();
    dev.ssegateway.core.TokenAuth auth;
    try {
      auth = dev.ssegateway.core.TokenAuth.load(other, dev.ssegateway.testsupport.TestSettings.of(
          new JsonObject().put("auth.jwt_secret", SECRET))).await(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      other.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer(SECRET)));
    String admin = signer.generateToken(new JsonObject().put("sse.admin", true),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(300));
    dev.ssegateway.core.GatewaySettings settings = dev.ssegateway.testsupport.TestSettings.of(
        new JsonObject().put("admin.token", "static-admin"));
    dev.ssegateway.core.LiveSettings live = dev.ssegateway.core.LiveSettings.create(settings);
    ConfigStatus status = new ConfigStatus(live);
    HttpClient client = vertx.createHttpClient();
    vertx.runOnContext(v -> dev.ssegateway.gateway.Gateway.deploy(vertx, live, "n1",
            java.util.List.of(AdminConfigHandler.create(status, auth)::mount), new dev.ssegateway.gateway.HealthOptions(),
            auth)
        .compose(g -> get(client, g.port(), admin)
            .compose(r -> check(ctx, r, 200, null))
            .compose(x -> client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                .setPort(g.port()).setURI("/admin/stats").putHeader("Authorization", "Bearer " + admin)))
            .compose(req -> req.send()
                .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
                    .put("body", b.toJsonObject()))))
            .compose(r -> check(ctx, r, 200, null))
            .compose(x -> g.close()))
        .onComplete(ctx.succeedingThenComplete()));
  }

  private static Future<Void> check(VertxTestContext ctx, JsonObject r, int status, String error) {
    ctx.verify(() -> {
      assertEquals(status, r.getInteger("status"), r.encode());
      if (error != null) {
        assertEquals(error, r.getJsonObject("body").getString("error"), r.encode());
      }
    });
    return Future.succeededFuture();
  }
}
