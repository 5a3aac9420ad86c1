package dev.ssegateway.config;

import dev.ssegateway.config.Checks.Beat;
import dev.ssegateway.config.ConfigStatus.Source;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.RawHttp;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static dev.ssegateway.config.Checks.beats;
import static dev.ssegateway.config.Checks.beatsOf;
import static dev.ssegateway.config.Checks.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /admin/config}: an accepted PUT reaches open streams at once and the rest of the cluster; a
 * refused PUT answers 400 naming the key and the allowed range and changes nothing; only the admin
 * token (or, without one, a loopback peer) gets in; GET shows the settings and the last refusal.
 */
@ExtendWith(VertxExtension.class)
class AdminConfigTest {

  private static final String TOKEN = "s3cret-admin";

  record Answer(int status, JsonObject json) {
  }

  private static JsonObject conf(JsonObject extra) {
    return TestNode.conf(new JsonObject().put("heartbeat_ms", 1000).put("admin.token", TOKEN).mergeIn(extra));
  }

  private static void onContext(Vertx vertx, VertxTestContext ctx, JsonObject conf,
                                Function<Fixture, Future<?>> body) {
    vertx.runOnContext(v -> TestNode.start(vertx, null, conf)
        .compose(n -> body.apply(new Fixture(n, vertx.createHttpClient())))
        .onComplete(ctx.succeedingThenComplete()));
  }

  record Fixture(TestNode node, HttpClient client) {
    Future<Answer> call(HttpMethod method, String body, String token) {
      RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1")
          .setPort(node.gateway().port()).setURI(AdminConfigHandler.PATH);
      if (token != null) {
        options.putHeader("Authorization", "Bearer " + token);
      }
      if (body != null) {
        options.putHeader("Content-Type", "application/json");
      }
      return client.request(options)
          .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
          .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(),
              b.length() == 0 ? new JsonObject() : b.toJsonObject())));
    }

    Future<Answer> put(String body) {
      return call(HttpMethod.PUT, body, TOKEN);
    }

    Future<Answer> get() {
      return call(HttpMethod.GET, null, TOKEN);
    }
  }

  /** A refused PUT: 400 with the body checked by {@code expect}, and the settings in force untouched. */
  private static Future<Answer> refused(Fixture f, String body, String error, String... mentions) {
    JsonObject before = f.node().settings().toJson();
    return f.put(body).compose(a -> check(() -> {
      assertEquals(400, a.status(), a.json().encode());
      assertEquals(error, a.json().getString("error"), a.json().encode());
      for (String m : mentions) {
        assertTrue(a.json().getString("message").contains(m), "'" + m + "' in " + a.json().encode());
      }
      assertEquals(before, f.node().settings().toJson(), "a refused change changes nothing");
    }).map(a));
  }

  @Test
  @Timeout(value = 40, timeUnit = TimeUnit.SECONDS)
  void acceptedChangeReachesAnOpenStreamAtOnceAndIsPublishedToTheCluster(Vertx vertx, VertxTestContext ctx) {
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(BusAddresses.SETTINGS_CLUSTER, m -> published.add(m.body()));
    onContext(vertx, ctx, conf(new JsonObject()), f -> SseTestClient.open(f.client(), f.node().gateway().port(),
            "/events?topic=t")
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 1)
            .compose(x -> f.put("{\"heartbeat_ms\": 2000}"))
            .compose(a -> check(() -> {
              assertEquals(200, a.status(), a.json().encode());
              assertEquals(2000, a.json().getJsonObject("settings").getInteger("heartbeat_ms"));
              assertEquals("***", a.json().getJsonObject("settings").getString("admin.token"), "the token is masked");
              assertEquals(2000, f.node().settings().heartbeatMs());
              assertEquals(Source.ADMIN, f.node().status().source());
            }))
            .compose(v -> s.await(frames -> beatsOf(frames, 2000) >= 2))
            .compose(frames -> check(() -> {
              List<Beat> beats = beats(s);
              int first = 0;
              while (beats.get(first).heartbeatMs() != 2000) {
                first++;
              }
              Checks.assertSwitchKeepsPhase(beats, first, 1000, 2000, 500, 1200);
              assertFalse(s.isEnded());
              assertEquals(1, s.framesOf(WireNames.HELLO).size());
              assertEquals(1, published.size(), "one cluster message: " + published);
              assertEquals(f.node().configVerticle().origin(), published.get(0).getString("origin"));
              assertEquals(new JsonObject().put("heartbeat_ms", 2000), published.get(0).getJsonObject("changes"));
            }))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void refusedChangesAnswer400NamingTheKeyAndTheRangeAndChangeNothing(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject()), f ->
        refused(f, "{\"heartbeat_ms\": 500}", "invalid_settings", "heartbeat_ms", "500", "1000..60000")
            .compose(a -> check(() -> {
              JsonObject problem = a.json().getJsonArray("problems").getJsonObject(0);
              assertEquals("heartbeat_ms", problem.getString("key"));
              assertEquals(500, problem.getInteger("value"));
            }))
            .compose(v -> refused(f, "{\"heartbeat_ms\": 70000}", "invalid_settings", "heartbeat_ms", "1000..60000"))
            .compose(v -> refused(f, "{\"heartbeat_ms\": \"fast\"}", "invalid_settings", "heartbeat_ms",
                "is not a number"))
            .compose(v -> refused(f, "{\"heartbeat_ms\": 1500.5}", "invalid_settings", "is not an integer"))
            .compose(v -> refused(f, "{\"heartbeat_mode\": 3}", "invalid_settings", "heartbeat_mode", "is not a string"))
            .compose(v -> refused(f, "{\"heartbeat_mode\": \"loud\"}", "invalid_settings", "one of event, comment"))
            .compose(v -> refused(f, "{\"heartbeat_ms\": true}", "invalid_settings", "is not a number"))
            .compose(v -> refused(f, "{\"heartbeat_msx\": 2000}", "invalid_settings", "heartbeat_msx: unknown key"))
            .compose(v -> refused(f, "{\"heartbeat_ms\": 2000, \"retry_ms\": 50}", "invalid_settings", "retry_ms",
                "100..60000"))
            .compose(v -> refused(f, "{\"http.port\": 9999}", "restart_required", "http.port"))
            .compose(a -> check(() -> assertEquals(List.of("http.port"), a.json().getJsonArray("keys").getList())))
            .compose(v -> refused(f, "{\"http\": {\"instances\": 3}}", "restart_required", "http.instances"))
            .compose(v -> refused(f, "{heartbeat_ms: 2000", "invalid_json", "not valid JSON"))
            .compose(v -> refused(f, "/* strict JSON only */ {\"heartbeat_ms\": 2000}", "invalid_json", "comment"))
            .compose(v -> refused(f, "{\"heartbeat_ms\": 2000,}", "invalid_json", "not valid JSON"))
            .compose(v -> refused(f, "[{\"heartbeat_ms\": 2000}]", "invalid_json", "JSON object"))
            .compose(v -> refused(f, "", "invalid_json", "empty"))
            .compose(v -> check(() -> assertEquals(Source.STARTUP, f.node().status().source()))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void withATokenConfiguredOnlyThatBearerTokenGetsIn(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject()), f ->
        f.call(HttpMethod.PUT, "{\"heartbeat_ms\": 2000}", null)
            .compose(a -> check(() -> {
              assertEquals(401, a.status());
              assertEquals("unauthorized", a.json().getString("error"));
            }))
            .compose(v -> f.call(HttpMethod.PUT, "{\"heartbeat_ms\": 2000}", "wrong-token"))
            .compose(a -> check(() -> assertEquals(401, a.status())))
            .compose(v -> f.call(HttpMethod.GET, null, null))
            .compose(a -> check(() -> assertEquals(401, a.status())))
            .compose(v -> f.call(HttpMethod.GET, null, TOKEN + "x"))
            .compose(a -> check(() -> {
              assertEquals(401, a.status());
              assertEquals(1000, f.node().settings().heartbeatMs(), "nothing applied without the token");
            }))
            .compose(v -> f.get())
            .compose(a -> check(() -> assertEquals(200, a.status()))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void withoutATokenLoopbackClientsGetIn(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject().put("admin.token", "")), f ->
        f.call(HttpMethod.PUT, "{\"heartbeat_ms\": 3000}", null)
            .compose(a -> check(() -> {
              assertEquals(200, a.status(), a.json().encode());
              assertEquals(3000, f.node().settings().heartbeatMs());
            })));
  }

  /** A raw request to /admin/config naming {@code host} in its Host header. */
  private static Future<RawHttp.Response> raw(Fixture f, String method, String host, String body) {
    return RawHttp.exchange(f.node().vertx(), f.node().gateway().port(), method + " " + AdminConfigHandler.PATH
        + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" + (body == null ? "\r\n"
        : "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void withoutATokenARebindingHostCannotReadOrChangeTheConfig(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject().put("admin.token", "").put("http.allowed_hosts", "gw.internal")),
        f -> {
          int port = f.node().gateway().port();
          return raw(f, "GET", "attacker.example:" + port, null)
              .compose(r -> check(() -> {
                assertEquals(403, r.status(), r.body());
                assertEquals("untrusted_host", new JsonObject(r.body()).getString("error"), r.body());
                assertFalse(r.body().contains("heartbeat_ms"), "no setting is shown: " + r.body());
              }))
              .compose(v -> raw(f, "PUT", "attacker.example:" + port, "{\"heartbeat_ms\": 7000}"))
              .compose(r -> check(() -> {
                assertEquals(403, r.status(), r.body());
                assertEquals("untrusted_host", new JsonObject(r.body()).getString("error"), r.body());
                assertEquals(1000, f.node().settings().heartbeatMs(), "a refused PUT changes nothing");
              }))
              .compose(v -> raw(f, "PUT", "localhost:" + port, "{\"heartbeat_ms\": 7000}"))
              .compose(r -> check(() -> {
                assertEquals(200, r.status(), r.body());
                assertEquals(7000, f.node().settings().heartbeatMs());
              }))
              .compose(v -> raw(f, "GET", "127.0.0.1:" + port, null))
              .compose(r -> check(() -> assertEquals(200, r.status(), r.body())))
              .compose(v -> raw(f, "GET", "gw.internal:" + port, null))
              .compose(r -> check(() -> assertEquals(200, r.status(), "a configured name: " + r.body())));
        });
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void getShowsTheSettingsTheKeysAndTheLastRefusal(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject()), f -> f.get()
        .compose(a -> check(() -> {
          assertEquals(200, a.status());
          assertEquals(1000, a.json().getJsonObject("settings").getInteger("heartbeat_ms"));
          assertEquals("***", a.json().getJsonObject("settings").getString("admin.token"));
          assertNull(a.json().getValue("last_rejected"));
          assertTrue(a.json().getJsonArray("pending_restart").isEmpty());
          assertEquals("startup", a.json().getString("source"));
          JsonObject heartbeat = a.json().getJsonArray("keys").stream().map(JsonObject.class::cast)
              .filter(k -> k.getString("key").equals("heartbeat_ms")).findFirst().orElseThrow();
          assertEquals("live", heartbeat.getString("reload"));
          assertEquals("an integer in 1000..60000", heartbeat.getString("allowed"));
          assertEquals(10000, heartbeat.getInteger("default"));
        }))
        .compose(v -> f.put("{\"retry_ms\": 99999}"))
        .compose(v -> f.put("{\"heartbeat_ms\": 4000}"))
        .compose(v -> f.get())
        .compose(a -> check(() -> {
          assertEquals(4000, a.json().getJsonObject("settings").getInteger("heartbeat_ms"));
          assertEquals("admin", a.json().getString("source"));
          JsonObject rejected = a.json().getJsonObject("last_rejected");
          assertEquals("admin", rejected.getString("source"));
          assertEquals("invalid_settings", rejected.getString("error"));
          assertTrue(rejected.getString("message").contains("retry_ms: 99999 is out of range; allowed: an integer "
              + "in 100..60000"), rejected.encode());
          assertEquals("retry_ms", rejected.getJsonArray("problems").getJsonObject(0).getString("key"));
          assertTrue(rejected.getString("at").matches("\\d{4}-.*Z"), rejected.getString("at"));
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theTokenMaskSentBackLeavesTheTokenUnchanged(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject()), f -> f.get()
        .compose(a -> f.put(a.json().getJsonObject("settings").put("heartbeat_ms", 5000).encode()))
        .compose(a -> check(() -> {
          assertEquals(200, a.status(), "a GET's settings sent back with one change are accepted: " + a.json());
          assertEquals(5000, f.node().settings().heartbeatMs());
        }))
        .compose(v -> f.get())
        .compose(a -> check(() -> assertEquals(200, a.status(), "the token still works"))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void concurrentChangesFromSeveralEventLoopsAreAllAppliedThroughTheOneWriter(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, ctx, conf(new JsonObject()), f -> {
      List<Future<Answer>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(f.put("{\"history.max_events\": " + (100 + i) + "}"));
      }
      return Future.all(all).compose(x -> check(() -> {
        all.forEach(a -> assertEquals(200, a.result().status()));
        int last = f.node().settings().get(dev.ssegateway.core.GatewaySettings.HISTORY_MAX_EVENTS);
        assertTrue(last >= 100 && last < 120, "one of the values won: " + last);
      }));
    });
  }
}
