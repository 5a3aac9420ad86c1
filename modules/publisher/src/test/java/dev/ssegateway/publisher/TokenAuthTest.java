package dev.ssegateway.publisher;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Publishing and subscribing with JWTs: the claims {@code sse.publish} / {@code sse.subscribe} grant topics,
 * every refusal is 401 (no, malformed, expired or wrongly signed token) or 403 (valid token, topic not
 * granted) with a JSON body, and the subscribe token may come from the header, the cookie or the query.
 */
@ExtendWith(VertxExtension.class)
class TokenAuthTest {

  private static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  @TempDir
  Path dir;

  private record Node(Gateway gateway, HttpClient client) {
    int port() {
      return gateway.port();
    }
  }

  private static Node start(Vertx vertx, JsonObject conf) throws Exception {
    GatewaySettings settings = TestSettings.of(conf);
    EventPublisher publisher = EventPublisher.install(vertx, "auth-node");
    IngestPublisher ingest = IngestPublisher.create(publisher, LiveSettings.create(settings), dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    Gateway g = Gateway.deploy(vertx, settings, publisher.origin(), List.of(r -> r.post("/publish/:topic")
        .handler(ingest))).await(20, TimeUnit.SECONDS);
    return new Node(g, vertx.createHttpClient());
  }

  private static Node hs256(Vertx vertx) throws Exception {
    return start(vertx, new JsonObject().put("auth.jwt_secret", SECRET).put("auth.subscribe_required", true)
        .put("ingest.token", "static-ingest-token"));
  }

  private static String sign(Vertx vertx, String algorithm, String key, JsonObject claims,
                             int expiresInSeconds) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(algorithm).setBuffer(key)));
    JWTOptions options = new JWTOptions().setAlgorithm(algorithm);
    if (expiresInSeconds != 0) {
      options.setExpiresInSeconds(expiresInSeconds);
    }
    return signer.generateToken(claims, options);
  }

  private static String hs(Vertx vertx, JsonObject claims) {
    return sign(vertx, "HS256", SECRET, claims, 300);
  }

  private static JsonObject claims(String claim, String... topics) {
    return new JsonObject().put("sub", "test").put(claim, new JsonArray(List.of((Object[]) topics)));
  }

  private static JsonObject call(Node n, HttpMethod method, String uri, MultiMap headers, String body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(n.port())
        .setURI(uri);
    if (headers != null) {
      options.setHeaders(headers);
    }
    // the chain is built on a Vert.x context so that the body handler is set in the turn the response arrives
    io.vertx.core.Promise<JsonObject> result = io.vertx.core.Promise.promise();
    ((io.vertx.core.internal.http.HttpClientInternal) n.client()).vertx().getOrCreateContext().runOnContext(v ->
        n.client().request(options)
            .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
            .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
                .put("www", resp.getHeader("WWW-Authenticate"))
                .put("body", b.length() > 0 && b.getByte(0) == '{' ? b.toJsonObject() : new JsonObject())))
            .onComplete(result));
    return result.future().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject publish(Node n, String topic, String bearer) throws Exception {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    if (bearer != null) {
      h.add("Authorization", "Bearer " + bearer);
    }
    return call(n, HttpMethod.POST, "/publish/" + topic, h, "{\"x\":1}");
  }

  private static void assertRefused(JsonObject r, int status, String code) {
    assertEquals(status, r.getInteger("status"), r.encode());
    assertEquals(code, r.getJsonObject("body").getString("error"), r.encode());
    assertTrue(r.getJsonObject("body").getString("message").length() > 10, r.encode());
    if (status == 401) {
      assertTrue(r.getString("www").startsWith("Bearer"), r.encode());
    }
  }

  private static SseTestClient subscribe(Node n, String uri, MultiMap headers) throws Exception {
    return SseTestClient.open(n.client(), n.port(), uri, headers).await(10, TimeUnit.SECONDS);
  }

  @Test
  void publishNeedsAJwtGrantingTheTopicOrTheIngestToken(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = hs256(vertx);
    assertEquals(202, publish(n, "orders", hs(vertx, claims("sse.publish", "orders", "demo"))).getInteger("status"));
    assertEquals(202, publish(n, "anything", hs(vertx, claims("sse.publish", "*"))).getInteger("status"));
    assertEquals(202, publish(n, "orders", "static-ingest-token").getInteger("status"));
    assertRefused(publish(n, "billing", hs(vertx, claims("sse.publish", "orders"))), 403, "forbidden");
    assertRefused(publish(n, "orders", hs(vertx, claims("sse.subscribe", "orders"))), 403, "forbidden");
    assertRefused(publish(n, "orders", null), 401, "unauthorized");
    assertRefused(publish(n, "orders", "not-a-jwt"), 401, "invalid_token");
    assertRefused(publish(n, "orders", "a.b.c"), 401, "invalid_token");
    ctx.completeNow();
  }

  @Test
  void expiredAndWronglySignedTokensAre401(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = hs256(vertx);
    JsonObject expired = claims("sse.publish", "orders").put("exp", System.currentTimeMillis() / 1000 - 60);
    JsonObject r = publish(n, "orders", sign(vertx, "HS256", SECRET, expired, 0));
    assertRefused(r, 401, "invalid_token");
    assertTrue(r.getJsonObject("body").getString("message").contains("expired"), r.encode());
    String forged = sign(vertx, "HS256", "another-secret-another-secret-another-secret-42", claims("sse.publish",
        "orders"), 300);
    assertRefused(publish(n, "orders", forged), 401, "invalid_token");
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + forged);
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders", h, null), 401, "invalid_token");
    ctx.completeNow();
  }

  /** A token signed with the test secret carrying exactly {@code claims} (no iat added). */
  private static String signedAsIs(Vertx vertx, JsonObject claims) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm("HS256").setBuffer(SECRET)));
    return signer.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setNoTimestamp(true));
  }

  @Test
  void aSignedTokenWithANonNumericTimeClaimIs401NamingTheClaim(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = hs256(vertx);
    for (String claim : List.of("exp", "nbf", "iat")) {
      for (Object bad : new Object[] {"1767225600", "tomorrow", true, new JsonObject().put("s", 1), new JsonArray()}) {
        String token = signedAsIs(vertx, claims("sse.publish", "orders").put(claim, bad));
        JsonObject r = publish(n, "orders", token);
        assertRefused(r, 401, "invalid_token");
        assertTrue(r.getJsonObject("body").getString("message").contains("'" + claim + "'"), r.encode());
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
        assertRefused(call(n, HttpMethod.GET, "/events?topic=orders", h, null), 401, "invalid_token");
      }
    }
    // still serving: a good token publishes
    assertEquals(202, publish(n, "orders", hs(vertx, claims("sse.publish", "orders"))).getInteger("status"));
    ctx.completeNow();
  }

  @Test
  void aTokenNotValidYetNamesNbfOrIatNotExpiry(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = hs256(vertx);
    long now = System.currentTimeMillis() / 1000;
    JsonObject r = publish(n, "orders", signedAsIs(vertx, claims("sse.publish", "orders")
        .put("exp", now + 600).put("nbf", now + 300)));
    assertRefused(r, 401, "invalid_token");
    String message = r.getJsonObject("body").getString("message");
    assertTrue(message.contains("nbf") && !message.contains("expired"), r.encode());
    r = publish(n, "orders", signedAsIs(vertx, claims("sse.publish", "orders").put("exp", now + 600)
        .put("iat", now + 300)));
    assertRefused(r, 401, "invalid_token");
    message = r.getJsonObject("body").getString("message");
    assertTrue(message.contains("iat") && !message.contains("expired"), r.encode());
    r = publish(n, "orders", signedAsIs(vertx, claims("sse.publish", "orders").put("exp", now - 5)
        .put("iat", now - 600).put("nbf", now - 600)));
    assertRefused(r, 401, "invalid_token");
    assertTrue(r.getJsonObject("body").getString("message").contains("expired (exp)"), r.encode());
    // fractional NumericDates are numbers too (RFC 7519)
    assertEquals(202, publish(n, "orders", signedAsIs(vertx, claims("sse.publish", "orders")
        .put("exp", now + 600.5).put("iat", now - 1.5).put("nbf", now - 1.5))).getInteger("status"));
    // a forged token is refused for its signature even when its times are fine
    String forged = sign(vertx, "HS256", "another-secret-another-secret-another-secret-42",
        claims("sse.publish", "orders").put("nbf", now + 300), 300);
    r = publish(n, "orders", forged);
    assertRefused(r, 401, "invalid_token");
    assertTrue(!r.getJsonObject("body").getString("message").contains("nbf"), r.encode());
    ctx.completeNow();
  }

  @Test
  void subscribeTokenComesFromHeaderCookieOrQueryAndMustGrantEveryTopic(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Node n = hs256(vertx);
    String token = hs(vertx, claims("sse.subscribe", "orders", "demo"));
    SseTestClient viaHeader = subscribe(n, "/events?topic=orders",
        MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token));
    SseTestClient viaCookie = subscribe(n, "/events?topic=orders&topic=demo",
        MultiMap.caseInsensitiveMultiMap().add("Cookie", "sse_token=" + token));
    SseTestClient viaQuery = subscribe(n, "/events?topic=demo&access_token=" + token, null);
    for (SseTestClient s : List.of(viaHeader, viaCookie, viaQuery)) {
      s.awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    }
    assertEquals(3, n.gateway().stats().openStreams());
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders", null, null), 401, "unauthorized");
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders&topic=billing&access_token=" + token, null, null),
        403, "forbidden");
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders", MultiMap.caseInsensitiveMultiMap()
        .add("Cookie", "sse_token=" + hs(vertx, claims("sse.publish", "orders"))), null), 403, "forbidden");
    JsonObject expired = claims("sse.subscribe", "orders").put("exp", System.currentTimeMillis() / 1000 - 60);
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders&access_token=" + sign(vertx, "HS256", SECRET,
        expired, 0), null, null), 401, "invalid_token");
    ctx.completeNow();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private void publicKeyTokensWork(Vertx vertx, String algorithm, KeyPair keys) throws Exception {
    Path publicPem = dir.resolve(algorithm + ".pem");
    Files.writeString(publicPem, pem("PUBLIC KEY", keys.getPublic().getEncoded()));
    Node n = start(vertx, new JsonObject().put("auth.jwt_public_key_file", publicPem.toString())
        .put("auth.jwt_public_key_algorithm", algorithm).put("auth.subscribe_required", true));
    String privatePem = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    String token = sign(vertx, algorithm, privatePem, claims("sse.subscribe", "orders"), 300);
    subscribe(n, "/events?topic=orders", MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token))
        .awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    assertEquals(202, publish(n, "orders", sign(vertx, algorithm, privatePem, claims("sse.publish", "orders"), 300))
        .getInteger("status"));
    // an HS256 token cannot stand in for the configured public key
    assertRefused(publish(n, "orders", hs(vertx, claims("sse.publish", "orders"))), 401, "invalid_token");
  }

  @Test
  void rs256TokensVerifyWithThePublicKeyFile(Vertx vertx, VertxTestContext ctx) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    publicKeyTokensWork(vertx, "RS256", gen.generateKeyPair());
    ctx.completeNow();
  }

  @Test
  void es256TokensVerifyWithThePublicKeyFile(Vertx vertx, VertxTestContext ctx) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    publicKeyTokensWork(vertx, "ES256", gen.generateKeyPair());
    ctx.completeNow();
  }

  @Test
  void subscribeRequiredWithoutAnyKeyFailsTheDeploymentNamingTheKey(Vertx vertx, VertxTestContext ctx) {
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("auth.subscribe_required", true)), "n")
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("auth.subscribe_required"), e.getMessage());
          ctx.completeNow();
        })));
  }

  @Test
  void grantsComeFromTheConfiguredClaimAndPrefix(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject().put("auth.jwt_secret", SECRET).put("auth.subscribe_required", true)
        .put("auth.subscribe_claim", "scope").put("auth.subscribe_prefix", "sse:subscribe:")
        .put("auth.publish_claim", "realm_access.roles").put("auth.publish_prefix", "sse-publish-"));
    JsonObject scope = new JsonObject().put("sub", "t").put("scope", "openid sse:subscribe:orders");
    subscribe(n, "/events?topic=orders&access_token=" + hs(vertx, scope), null).awaitType("hello", 1)
        .await(10, TimeUnit.SECONDS);
    assertRefused(call(n, HttpMethod.GET, "/events?topic=billing&access_token=" + hs(vertx, scope), null, null),
        403, "forbidden");
    assertRefused(call(n, HttpMethod.GET, "/events?topic=orders&access_token=" + hs(vertx, claims("sse.subscribe",
        "orders")), null, null), 403, "forbidden");
    JsonObject roles = new JsonObject().put("sub", "t").put("realm_access", new JsonObject()
        .put("roles", new JsonArray().add("offline_access").add("sse-publish-orders")));
    assertEquals(202, publish(n, "orders", hs(vertx, roles)).getInteger("status"));
    assertRefused(publish(n, "billing", hs(vertx, roles)), 403, "forbidden");
    ctx.completeNow();
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A token with this header and a valid-looking payload and signature (refused before its signature is checked). */
  private static String withHeader(String header) {
    long exp = System.currentTimeMillis() / 1000 + 300;
    return b64(header) + "." + b64("{\"sub\":\"t\",\"exp\":" + exp + ",\"sse.subscribe\":[\"orders\"]}") + "."
        + b64("not-a-signature");
  }

  @Test
  void badTokensAreRefusedWithAJsonBodyAndCountedByReasonNever500(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = hs256(vertx);
    // token -> reason counted (sse_auth_refused_total{reason})
    java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put(withHeader("{\"alg\":\"none\",\"typ\":\"JWT\"}"), "alg_none");
    cases.put(b64("{\"alg\":\"none\"}") + "." + b64("{\"sse.subscribe\":[\"*\"]}") + ".", "alg_none");
    cases.put(withHeader("{\"alg\":\"NONE\"}"), "alg_none");
    cases.put(withHeader("{\"typ\":\"JWT\"}"), "alg_none");
    cases.put(withHeader("{\"alg\":\"HS256\",\"kid\":\"../../etc/passwd\"}"), "bad_kid");
    cases.put(withHeader("{\"alg\":\"HS256\",\"kid\":\"a/b\"}"), "bad_kid");
    cases.put(withHeader("{\"alg\":\"HS256\",\"kid\":\"" + "k".repeat(300) + "\"}"), "bad_kid");
    cases.put(withHeader("{\"alg\":\"HS256\",\"kid\":42}"), "bad_kid");
    cases.put(withHeader("{\"alg\":\"HS256\"}"), "bad_signature");
    cases.put("!!!." + b64("{}") + ".sig", "malformed");
    cases.put(b64("not json") + "." + b64("{}") + ".sig", "malformed");
    cases.put(b64("{\"alg\":\"HS256\"}") + "." + b64("[1,2]") + ".sig", "malformed");
    cases.put("a.b", "malformed");
    cases.put("x".repeat(9000) + ".y.z", "oversized");
    dev.ssegateway.core.AuthRefusals refusals = n.gateway().auth().refusals();
    for (java.util.Map.Entry<String, String> c : cases.entrySet()) {
      String reason = c.getValue();
      long before = refusals.total(reason);
      JsonObject r = call(n, HttpMethod.GET, "/events?topic=orders&access_token=" + c.getKey(), null, null);
      assertRefused(r, 401, "invalid_token");
      assertEquals(before + 1, refusals.total(reason), reason + ": " + r.encode());
      if (c.getKey().length() < 4000) {
        assertRefused(publish(n, "orders", c.getKey()), 401, "invalid_token");
      }
    }
    // an oversized header never reaches the token check: 431 with a JSON body
    JsonObject big = publish(n, "orders", "x".repeat(9000));
    assertEquals(431, big.getInteger("status"), big.encode());
    String metrics = n.gateway().metrics().scrape();
    for (String reason : List.of("alg_none", "bad_kid", "malformed", "oversized", "bad_signature")) {
      assertTrue(metrics.contains("sse_auth_refused_total{reason=\"" + reason + "\"}"), reason);
    }
    assertEquals(dev.ssegateway.core.AuthRefusals.REASONS.size(),
        metrics.lines().filter(l -> l.startsWith("sse_auth_refused_total{")).count(), "a fixed label set");
    // still serving
    assertEquals(202, publish(n, "orders", hs(vertx, claims("sse.publish", "orders"))).getInteger("status"));
    ctx.completeNow();
  }

  @Test
  void withoutCredentialsLoopbackMayPublishAndSubscribeIsOpen(Vertx vertx, VertxTestContext ctx) throws Exception {
    Node n = start(vertx, new JsonObject());
    assertEquals(202, publish(n, "orders", null).getInteger("status"));
    subscribe(n, "/events?topic=orders", null).awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    ctx.completeNow();
  }
}
