package dev.ssegateway.gateway;

import dev.ssegateway.core.JwksKeys;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
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

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code auth.jwks_url} against a JWKS server run by the test on loopback that rotates its keys: a token of a key
 * added to the set is accepted at once (unknown kid, fetched again) without a restart, a token of a removed key is
 * refused after the next scheduled fetch, RS256, ES256 and EdDSA keys work, garbage kids do not make the gateway
 * hammer the endpoint, and while the endpoint is down or answers garbage the cached keys keep working and
 * {@code /health/ready} says so without turning unready.
 */
@ExtendWith(VertxExtension.class)
class JwksTest {

  private static final long REFRESH_MS = 1000;
  private static final long MIN_REFETCH_MS = 300;

  /** The test's issuer: a JWKS endpoint whose answer the test sets. */
  private static final class Issuer {
    volatile Supplier<String> answer = () -> "{\"keys\":[]}";
    volatile int status = 200;
    final AtomicInteger requests = new AtomicInteger();
    HttpServer server;

    Future<Issuer> start(Vertx vertx) {
      server = vertx.createHttpServer().requestHandler(req -> {
        requests.incrementAndGet();
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(answer.get());
      });
      return server.listen(0, "127.0.0.1").map(s -> this);
    }

    void keys(JsonObject... jwks) {
      String body = new JsonObject().put("keys", new JsonArray(List.of((Object[]) jwks))).encode();
      answer = () -> body;
      status = 200;
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/jwks";
    }
  }

  /** A signing key with its public JWK. */
  private record Key(String kid, String alg, String privatePem, JsonObject jwk) {
    String sign(Vertx vertx, JsonObject claims) {
      JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
          .setAlgorithm(alg).setBuffer(privatePem).setId(kid)));
      return signer.generateToken(claims, new JWTOptions().setAlgorithm(alg).setExpiresInSeconds(300));
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Big-endian bytes without a sign byte, left-padded to {@code length} when given. */
  private static byte[] unsigned(BigInteger n, int length) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    if (length > b.length) {
      byte[] padded = new byte[length];
      System.arraycopy(b, 0, padded, length - b.length, b.length);
      b = padded;
    }
    return b;
  }

  private static String pem(byte[] der) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static Key rsa(String kid) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair pair = gen.generateKeyPair();
    RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
    return new Key(kid, "RS256", pem(pair.getPrivate().getEncoded()), new JsonObject().put("kty", "RSA")
        .put("kid", kid).put("use", "sig").put("alg", "RS256").put("n", b64(unsigned(pub.getModulus(), 0)))
        .put("e", b64(unsigned(pub.getPublicExponent(), 0))));
  }

  private static Key ec(String kid) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = gen.generateKeyPair();
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    // no "alg": implied by the curve, as some issuers publish it
    return new Key(kid, "ES256", pem(pair.getPrivate().getEncoded()), new JsonObject().put("kty", "EC")
        .put("kid", kid).put("crv", "P-256").put("x", b64(unsigned(pub.getW().getAffineX(), 32)))
        .put("y", b64(unsigned(pub.getW().getAffineY(), 32))));
  }

  private static Key ed25519(String kid) throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = pair.getPublic().getEncoded(); // the raw 32-byte key ends the X.509 encoding
    return new Key(kid, "EdDSA", pem(pair.getPrivate().getEncoded()), new JsonObject().put("kty", "OKP")
        .put("kid", kid).put("crv", "Ed25519").put("alg", "EdDSA")
        .put("x", b64(Arrays.copyOfRange(spki, spki.length - 32, spki.length))));
  }

  private static JsonObject claims() {
    return new JsonObject().put("sub", "t").put("sse.subscribe", new JsonArray().add("orders"));
  }

  private static Gateway gateway(Vertx vertx, Issuer issuer) throws Exception {
    return Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("auth.jwks_url", issuer.url())
        .put("auth.jwks_refresh_ms", REFRESH_MS).put("auth.jwks_min_refetch_ms", MIN_REFETCH_MS)
        .put("auth.subscribe_required", true)), "jwks-node").await(20, TimeUnit.SECONDS);
  }

  /** Status and JSON body of {@code GET uri} (a stream's response is dropped once its status is known). */
  private static JsonObject get(HttpClient client, int port, String uri, String bearer) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (bearer != null) {
      options.setHeaders(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + bearer));
    }
    Promise<JsonObject> result = Promise.promise();
    // built on a Vert.x context so that the body handler is set in the turn the response arrives
    ((io.vertx.core.internal.http.HttpClientInternal) client).vertx().getOrCreateContext().runOnContext(x ->
    client.request(options).compose(r -> r.send()).onComplete(ar -> {
      if (ar.failed()) {
        result.fail(ar.cause());
      } else if (ar.result().statusCode() == 200 && uri.startsWith("/events")) {
        result.complete(new JsonObject().put("status", 200));
        ar.result().request().connection().close();
      } else {
        ar.result().body().onComplete(b -> result.complete(new JsonObject().put("status", ar.result().statusCode())
            .put("body", b.succeeded() && b.result().length() > 0 ? b.result().toJsonObject() : new JsonObject())));
      }
    }));
    try {
      return result.future().await(30, TimeUnit.SECONDS);
    } finally {
      // the client stays reachable until the answer: Vert.x 5 closes the connections of a garbage-collected client
      // ("Pool closed"), and subscribe() holds it nowhere else
      java.lang.ref.Reference.reachabilityFence(client);
    }
  }

  /** Lets {@code ms} pass on the Vert.x clock between two polls. */
  private static void pause(Vertx vertx, long ms) throws Exception {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    p.future().await(ms + 10_000, TimeUnit.MILLISECONDS);
  }

  private static JsonObject jwksCheck(Gateway g) {
    return g.health().ready().getJsonObject("checks").getJsonObject("jwks");
  }

  private static int subscribe(Vertx vertx, Gateway g, String token) throws Exception {
    return get(vertx.createHttpClient(), g.port(), "/events?topic=orders", token).getInteger("status");
  }

  @Test
  void rotatedKeysAreAcceptedAtOnceAndRemovedKeysRefusedWithoutARestart(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Issuer issuer = new Issuer().start(vertx).await(10, TimeUnit.SECONDS);
    Key a = rsa("key-a");
    Key b = ec("key-b");
    Key c = ed25519("key-c");
    issuer.keys(a.jwk());
    Gateway g = gateway(vertx, issuer);
    HttpClient client = vertx.createHttpClient();
    SseTestClient.open(client, g.port(), "/events?topic=orders", MultiMap.caseInsensitiveMultiMap()
        .add("Authorization", "Bearer " + a.sign(vertx, claims()))).await(10, TimeUnit.SECONDS)
        .awaitType("hello", 1).await(10, TimeUnit.SECONDS);

    // rotation: the issuer publishes B (ES256) and C (EdDSA) beside A; their tokens work at once
    issuer.keys(a.jwk(), b.jwk(), c.jwk());
    long before = System.nanoTime();
    assertEquals(200, subscribe(vertx, g, b.sign(vertx, claims())), "new ES256 key accepted without a restart");
    System.out.println("jwks: first token of a new key accepted after " + (System.nanoTime() - before) / 1_000_000
        + " ms (one fetch for its unknown kid)");
    assertEquals(200, subscribe(vertx, g, c.sign(vertx, claims())), "EdDSA key accepted");

    // A is removed: its tokens are refused after the next scheduled fetch
    issuer.keys(b.jwk(), c.jwk());
    String tokenA = a.sign(vertx, claims());
    long removedAt = System.currentTimeMillis();
    // polled from the test thread (a subscribe waits for its answer), bounded
    while (subscribe(vertx, g, tokenA) != 401) {
      assertTrue(System.currentTimeMillis() - removedAt < 20_000, "a removed key's token is still accepted");
      pause(vertx, 50);
    }
    long refusedAfter = System.currentTimeMillis() - removedAt;
    System.out.println("jwks: removed key refused after " + refusedAfter + " ms (refresh " + REFRESH_MS + " ms)");
    // one refresh period, plus slack for a loaded 2-core machine
    assertTrue(refusedAfter <= REFRESH_MS + MIN_REFETCH_MS + 5000, "within a refresh period: " + refusedAfter);
    JsonObject refused = get(client, g.port(), "/events?topic=orders", tokenA);
    assertEquals("invalid_token", refused.getJsonObject("body").getString("error"));
    assertEquals(200, subscribe(vertx, g, b.sign(vertx, claims())));
    ctx.completeNow();
  }

  @Test
  void cachedKeysKeepWorkingWhileTheEndpointIsDownOrAnswersGarbage(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Issuer issuer = new Issuer().start(vertx).await(10, TimeUnit.SECONDS);
    Key b = ec("key-b");
    issuer.keys(b.jwk());
    Gateway g = gateway(vertx, issuer);
    HttpClient client = vertx.createHttpClient();
    String token = b.sign(vertx, claims());
    assertEquals(200, subscribe(vertx, g, token));
    JwksKeys jwks = g.auth().jwks();

    // garbage kids: refused, and they cost at most one fetch per auth.jwks_min_refetch_ms
    int fetchesBefore = issuer.requests.get();
    long start = System.currentTimeMillis();
    Key stranger = ec("key-b");
    for (int i = 0; i < 30; i++) {
      Key other = new Key("unknown-" + i, "ES256", stranger.privatePem(), stranger.jwk());
      assertEquals(401, subscribe(vertx, g, other.sign(vertx, claims())));
    }
    long elapsed = System.currentTimeMillis() - start;
    int extra = issuer.requests.get() - fetchesBefore;
    long allowed = elapsed / MIN_REFETCH_MS + 1 + elapsed / REFRESH_MS + 1;
    System.out.println("jwks: 30 unknown kids in " + elapsed + " ms caused " + extra + " fetches (at most " + allowed
        + ")");
    assertTrue(extra <= allowed, extra + " fetches for 30 unknown kids in " + elapsed + " ms");

    // endpoint down (500), then not JSON, then 10,000 keys: each refused, counted, the cached key keeps working
    List<Runnable> failures = List.of(
        () -> issuer.status = 500,
        () -> {
          issuer.status = 200;
          issuer.answer = () -> "<html>not json</html>";
        },
        () -> issuer.answer = () -> manyKeys(new JsonObject()),
        () -> issuer.answer = () -> manyKeys(b.jwk()));
    // 10,000 small keys are over the key count; 10,000 real ones (2 MB) over the byte bound, read no further
    List<String> results = List.of("http_error", "not_json", "too_many_keys", "too_large");
    for (int i = 0; i < failures.size(); i++) {
      String result = results.get(i);
      long seen = jwks.fetches(result);
      failures.get(i).run();
      Await.until(vertx, () -> jwks.fetches(result) > seen, 10_000, () -> "a fetch ending in " + result + ", last error "
          + jwks.lastError())
          .await(20, TimeUnit.SECONDS);
      assertEquals(200, subscribe(vertx, g, token), "cached key works while the endpoint gives " + result);
      // the test gateway has no probe publisher (its fanout check fails): the jwks check itself must pass
      JsonObject ready = get(client, g.port(), "/health/ready", null);
      JsonObject check = ready.getJsonObject("body").getJsonObject("checks").getJsonObject("jwks");
      assertTrue(check.getBoolean("ok") && check.getString("detail").contains("failing"), check.encode());
      assertTrue(!ready.getJsonObject("body").getJsonArray("failed").contains("jwks"), ready.encode());
    }
    String metrics = g.metrics().scrape();
    assertTrue(metrics.contains("sse_auth_jwks_fetches_total{result=\"too_many_keys\"}"), metrics);
    assertTrue(metrics.contains("sse_auth_refused_total{reason=\"unknown_kid\"} 30.0"), metrics);
    ctx.completeNow();
  }

  private static String manyKeys(JsonObject key) {
    JsonArray many = new JsonArray();
    for (int i = 0; i < 10_000; i++) {
      many.add(key.copy().put("kid", "k" + i));
    }
    return new JsonObject().put("keys", many).encode();
  }

  @Test
  void withoutAnyKeySetTheNodeIsNotReadyAndTokensGet503(Vertx vertx, VertxTestContext ctx) throws Exception {
    Issuer issuer = new Issuer().start(vertx).await(10, TimeUnit.SECONDS);
    issuer.status = 503;
    Gateway g = gateway(vertx, issuer);
    Key b = ec("key-b");
    JsonObject r = get(vertx.createHttpClient(), g.port(), "/events?topic=orders", b.sign(vertx, claims()));
    assertEquals(503, r.getInteger("status"));
    assertEquals("auth_unavailable", r.getJsonObject("body").getString("error"));
    JsonObject ready = get(vertx.createHttpClient(), g.port(), "/health/ready", null);
    assertEquals(503, ready.getInteger("status"));
    assertTrue(ready.getJsonObject("body").getJsonArray("failed").contains("jwks"), ready.encode());
    // the issuer comes back: without keys the node asks every auth.jwks_min_refetch_ms, not every refresh period
    issuer.keys(b.jwk());
    long back = System.currentTimeMillis();
    Await.until(vertx, () -> jwksCheck(g).getBoolean("ok"), 10_000, () -> "jwks ready once the keys arrive")
        .await(20, TimeUnit.SECONDS);
    System.out.println("jwks: keys loaded " + (System.currentTimeMillis() - back) + " ms after the issuer came back "
        + "(min refetch " + MIN_REFETCH_MS + " ms, refresh " + REFRESH_MS + " ms)");
    assertEquals(200, subscribe(vertx, g, b.sign(vertx, claims())));
    ctx.completeNow();
  }
}
