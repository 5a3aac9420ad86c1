package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream opened with a JWT ends when the token's {@code exp} passes: an {@code expired} event naming the reason
 * and the {@code exp}, then the end of the response, within a second after {@code exp}. Streams whose token has no
 * {@code exp} keep running and hold no expiry timer.
 */
@ExtendWith(VertxExtension.class)
class TokenExpiryTest {

  private static final String SECRET = "expiry-test-secret-long-enough-for-hs256-0123456789";
  /** The guarantee is one second after exp; the rest is slack for a loaded 2-core machine. */
  private static final long LATE_MS = 1000 + 3000;

  private static String token(Vertx vertx, Long exp) {
    JsonObject claims = new JsonObject().put("sub", "t").put("sse.subscribe", new JsonArray().add("orders"));
    if (exp != null) {
      claims.put("exp", exp);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256")
        .setBuffer(SECRET))).generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

  private static MultiMap bearer(String token) {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
  }

  /** Runs {@code check} on each lane's loop and collects the answers. */
  private static <T> List<T> onLanes(Gateway g, java.util.function.Function<Lane, T> check) throws Exception {
    List<Future<T>> all = new ArrayList<>();
    for (Lane lane : g.fanOutLanes()) {
      Promise<T> p = Promise.promise();
      lane.context().runOnContext(v -> p.complete(check.apply(lane)));
      all.add(p.future());
    }
    return Future.all(all).map(cf -> cf.<T>list()).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamEndsWithAnExpiredEventWithinASecondAfterExp(Vertx vertx, VertxTestContext ctx) throws Exception {
    TestOrigin origin = new TestOrigin(vertx, "exp-pub");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("auth.jwt_secret", SECRET)
        .put("auth.subscribe_required", true)), "exp-node").await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    long exp = System.currentTimeMillis() / 1000 + 3; // 2..3 s from now
    SseTestClient expiring = SseTestClient.open(client, g.port(), "/events?topic=orders", bearer(token(vertx, exp)))
        .await(10, TimeUnit.SECONDS);
    SseTestClient forever = SseTestClient.open(client, g.port(), "/events?topic=orders", bearer(token(vertx, null)))
        .await(10, TimeUnit.SECONDS);
    expiring.awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    forever.awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    assertEquals(List.of(1), onLanes(g, lane -> lane.expiry().size()).stream().filter(n -> n > 0).toList(),
        "one lane watches the one stream with an exp");
    origin.publish("orders", "m", "before");
    expiring.awaitType("m", 1).await(10, TimeUnit.SECONDS);

    expiring.ended().await(exp * 1000 - System.currentTimeMillis() + LATE_MS + 5000, TimeUnit.MILLISECONDS);
    List<SseFrame> frames = expiring.frames();
    SseFrame last = frames.get(frames.size() - 1);
    assertEquals(WireNames.EXPIRED, last.type(), frames.toString());
    JsonObject data = new JsonObject(last.data());
    assertEquals("token_expired", data.getString("reason"));
    assertEquals(exp, data.getLong("exp"));
    assertTrue(last.id() == null || last.id().isEmpty() || last.id().equals(expiring.framesOf("m").get(0).id()),
        "the expired frame moves no id: " + last);
    long arrived = expiring.arrivalsOf(WireNames.EXPIRED).get(0);
    System.out.println("expiry: expired event arrived " + (arrived - exp * 1000) + " ms after exp");
    assertTrue(arrived >= exp * 1000, "not before exp: arrived " + (arrived - exp * 1000) + " ms after");
    assertTrue(arrived <= exp * 1000 + LATE_MS, "within a second after exp (+slack): " + (arrived - exp * 1000));
    assertEquals(1, g.stats().streamsExpired.sum());

    // the stream without exp is untouched and no lane keeps a timer for it
    assertFalse(forever.isEnded());
    origin.publish("orders", "m", "after");
    forever.awaitType("m", 2).await(10, TimeUnit.SECONDS);
    assertEquals(List.of(false), onLanes(g, lane -> lane.expiry().timerPending() || lane.expiry().size() > 0)
        .stream().distinct().toList());
    assertEquals(1, g.stats().openStreams());
    ctx.completeNow();
  }

  @Test
  void aStreamWhoseTokenExpiresBeforeItGoesLiveEndsAtOnce(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("auth.jwt_secret", SECRET)
        .put("auth.subscribe_required", true).put("http.instances", 1)), "exp-node").await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    // a token valid for 1..2 s opens, then ends with the notice and nothing else
    long exp = System.currentTimeMillis() / 1000 + 2;
    SseTestClient s = SseTestClient.open(client, g.port(), "/events?topic=orders", bearer(token(vertx, exp)))
        .await(10, TimeUnit.SECONDS);
    s.ended().await(LATE_MS + 5000, TimeUnit.MILLISECONDS);
    assertEquals(List.of("hello", WireNames.EXPIRED), s.frames().stream().map(SseFrame::type)
        .filter(t -> !t.equals(WireNames.HEARTBEAT)).toList());
    assertEquals(0, g.stats().openStreams());
    ctx.completeNow();
  }
}
