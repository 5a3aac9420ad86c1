package dev.ssegateway.config;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.SettingsException;
import dev.ssegateway.testsupport.Await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.ssegateway.config.Checks.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets ({@link GatewaySettings#SECRETS}) never leave the node in clear: the mask {@code ***} sent back
 * means "unchanged" in flat and nested form, and no secret value, accepted or refused, from PUT, the conf
 * file or the environment, reaches a response body, {@code last_rejected} or a log line.
 */
@ExtendWith(VertxExtension.class)
class SecretMaskTest {

  private static final String TOKEN = "s3cret-admin-token";
  /** Part of every secret value the tests send: it must never be seen again. */
  private static final String MARK = "Zq7pleakmark";

  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.all();
  }

  @AfterEach
  void releaseLog() {
    log.close();
  }

  record Answer(int status, String body) {
  }

  private static Future<Answer> call(Vertx vertx, HttpClient client, TestNode node, HttpMethod method, String body,
                                     String token) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1")
        .setPort(node.gateway().port()).setURI(AdminConfigHandler.PATH).putHeader("Authorization", "Bearer " + token);
    if (body != null) {
      options.putHeader("Content-Type", "application/json");
    }
    return client.request(options).compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString())));
  }

  private void assertNowhere(String text, TestNode node, List<String> bodies) {
    bodies.forEach(b -> assertFalse(b.contains(text), "a response body shows a secret: " + b));
    String status = node.status().toJson().encode();
    assertFalse(status.contains(text), "GET /admin/config shows a secret: " + status);
    log.lines().forEach(l -> assertFalse(l.contains(text), "a log line shows a secret: " + l));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theNestedMaskKeepsTheTokenAndTheMaskItselfIsNoToken(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    vertx.runOnContext(v -> TestNode.start(vertx, null, TestNode.conf(new JsonObject().put("admin.token", TOKEN)
            .put("ingest", new JsonObject().put("token", "ingest-" + MARK))))
        .compose(n -> call(vertx, client, n, HttpMethod.PUT, new JsonObject()
            .put("admin", new JsonObject().put("token", "***"))
            .put("ingest", new JsonObject().put("token", "***"))
            .put("heartbeat_ms", 5000).encode(), TOKEN)
            .compose(a -> check(() -> {
              assertEquals(200, a.status(), a.body());
              assertEquals(5000, n.settings().heartbeatMs());
              assertEquals(TOKEN, n.settings().get(GatewaySettings.ADMIN_TOKEN), "the mask left the token as it was");
              assertEquals("ingest-" + MARK, n.settings().get(GatewaySettings.INGEST_TOKEN));
            }))
            .compose(v2 -> call(vertx, client, n, HttpMethod.GET, null, TOKEN))
            .compose(a -> check(() -> assertEquals(200, a.status(), "the old token still authorizes: " + a.body())))
            .compose(v2 -> call(vertx, client, n, HttpMethod.GET, null, "***"))
            .compose(a -> check(() -> assertEquals(401, a.status(), "*** is not a token: " + a.body())))
            .compose(v2 -> check(() -> assertNowhere(MARK, n, List.of()))))
        .onComplete(ctx.succeedingThenComplete()));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theMaskForAnUnsetSecretIsRefusedNotStoredAsTheToken(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    vertx.runOnContext(v -> TestNode.start(vertx, null, TestNode.conf(new JsonObject().put("admin.token", TOKEN)))
        .compose(n -> call(vertx, client, n, HttpMethod.PUT, "{\"ingest\":{\"token\":\"***\"}}", TOKEN)
            .compose(a -> check(() -> {
              assertEquals(400, a.status(), a.body());
              assertEquals("", n.settings().get(GatewaySettings.INGEST_TOKEN));
            })))
        .onComplete(ctx.succeedingThenComplete()));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void noSecretValueAcceptedOrRefusedReachesABodyTheStatusOrTheLog(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    String newToken = "new-admin-" + MARK;
    vertx.runOnContext(v -> TestNode.start(vertx, null, TestNode.conf(new JsonObject().put("admin.token", TOKEN)))
        .compose(n -> {
          Future<Void> all = Future.succeededFuture();
          // refused: a control character, a space, a wrong type; flat and nested
          for (String body : List.of(
              new JsonObject().put("admin.token", "bad\u0001" + MARK).encode(),
              new JsonObject().put("admin", new JsonObject().put("token", "bad " + MARK)).encode(),
              new JsonObject().put("ingest.token", new JsonObject().put("x", MARK)).encode(),
              new JsonObject().put("auth", new JsonObject().put("jwt_secret", "\u007f" + MARK)).encode(),
              "{\"admin.token\": " + MARK + "}")) {
            all = all.compose(x -> call(vertx, client, n, HttpMethod.PUT, body, TOKEN)).compose(a -> check(() -> {
              bodies.add(a.body());
              assertEquals(400, a.status(), a.body());
              assertEquals(TOKEN, n.settings().get(GatewaySettings.ADMIN_TOKEN));
            }));
          }
          return all
              .compose(x -> check(() -> {
                JsonObject rejected = n.status().toJson().getJsonObject("last_rejected");
                assertTrue(rejected != null && rejected.encode().contains("auth.jwt_secret"), "" + rejected);
                assertTrue(log.lines().stream().anyMatch(l -> l.contains("event=config_rejected")
                    && l.contains("admin.token")), "the refusal is logged, naming the key: " + log.lines());
              }))
              // accepted: the new token works, and is shown nowhere
              .compose(x -> call(vertx, client, n, HttpMethod.PUT, new JsonObject().put("admin.token", newToken)
                  .encode(), TOKEN))
              .compose(a -> check(() -> {
                bodies.add(a.body());
                assertEquals(200, a.status(), a.body());
                assertTrue(log.lines().stream().anyMatch(l -> l.contains("event=config_accepted")
                    && l.contains("admin.token: (secret changed)")), "the change is logged: " + log.lines());
              }))
              .compose(x -> call(vertx, client, n, HttpMethod.GET, null, newToken))
              .compose(a -> check(() -> {
                bodies.add(a.body());
                assertEquals(200, a.status(), a.body());
                assertNowhere(MARK, n, bodies);
              }));
        })
        .onComplete(ctx.succeedingThenComplete()));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void secretsFromTheConfFileAreNotShownAcceptedOrRefused(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    JsonObject good = TestNode.conf(new JsonObject().put("admin.token", "file-" + MARK));
    Path file = TestNode.writeNow(dir.resolve("conf.json"), good);
    vertx.runOnContext(v -> TestNode.start(vertx, file, good)
        // a refused file value (nested form), then an accepted change of the secret in the file
        .compose(n -> n.save(TestNode.conf(new JsonObject().put("admin", new JsonObject()
                .put("token", "file\u0002" + MARK)))).map(n))
        .compose(n -> Await.until(vertx, () -> n.status().lastRejected() != null, 10_000, () -> "the refused file")
            .map(n))
        // broken JSON around a secret written without quotes: the parser's complaint must not quote it
        .compose(n -> n.save("{\"admin.token\": file3" + MARK + "}").map(n))
        .compose(n -> Await.until(vertx, () -> "invalid_json".equals(n.status().lastRejected().error()), 10_000,
            () -> "the broken file").map(n))
        .compose(n -> n.save(TestNode.conf(new JsonObject().put("admin.token", "file2-" + MARK))).map(n))
        // the loop that reads the file applies the settings and then logs: wait for both, not for the first alone
        .compose(n -> Await.until(vertx, () -> ("file2-" + MARK).equals(n.settings().get(GatewaySettings.ADMIN_TOKEN))
            && log.lines().stream().anyMatch(l -> l.contains("event=config_accepted") && l.contains("admin.token")),
            10_000, () -> "the accepted file and its log line: " + log.lines()).map(n))
        .compose(n -> check(() -> {
          assertTrue(log.lines().stream().anyMatch(l -> l.contains("event=config_rejected") && l.contains("admin.token")),
              "the refusal is logged, naming the key: " + log.lines());
          assertTrue(log.lines().stream().anyMatch(l -> l.contains("event=config_accepted")
              && l.contains("admin.token: (secret changed)")), "the change is logged: " + log.lines());
          assertNowhere(MARK, n, List.of());
        }))
        .onComplete(ctx.succeedingThenComplete()));
  }

  /** A publisher entry whose config holds secret-named values (each carries {@link #MARK}) and plain ones. */
  private static JsonObject publisher(String url) {
    return new JsonObject().put("name", "orders").put("class", "com.example.OrdersPublisher")
        .put("config", new JsonObject().put("url", url).put("db_password", "pw-" + MARK)
            .put("auth", new JsonObject().put("user", "svc").put("apiKey", "k-" + MARK))
            .put("tokens", new io.vertx.core.json.JsonArray().add("t-" + MARK)).put("empty_secret", ""));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aPublishersConfigShowsSecretNamedValuesMaskedAndTheMaskSentBackMeansUnchanged(Vertx vertx,
                                                                                    VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.json.JsonArray publishers = new io.vertx.core.json.JsonArray().add(publisher("https://db.example"));
    vertx.runOnContext(v -> TestNode.start(vertx, null, TestNode.conf(new JsonObject().put("admin.token", TOKEN)
            .put("publishers", publishers)))
        .compose(n -> call(vertx, client, n, HttpMethod.GET, null, TOKEN)
            .compose(a -> check(() -> {
              bodies.add(a.body());
              assertEquals(200, a.status(), a.body());
              JsonObject config = new JsonObject(a.body()).getJsonObject("settings").getJsonArray("publishers")
                  .getJsonObject(0).getJsonObject("config");
              assertEquals("https://db.example", config.getString("url"), "a plain value is shown");
              assertEquals("***", config.getString("db_password"));
              assertEquals("***", config.getJsonObject("auth").getString("apiKey"), "nested");
              assertEquals("svc", config.getJsonObject("auth").getString("user"));
              assertEquals("***", config.getValue("tokens"), "a secret-named array is masked whole");
              assertEquals("", config.getString("empty_secret"), "an empty value is shown as empty");
            }).map(new JsonObject(a.body()).getJsonObject("settings")))
            // the GET's settings sent back unchanged: the masks keep the values, nothing asks for a restart
            .compose(shown -> call(vertx, client, n, HttpMethod.PUT, shown.encode(), TOKEN))
            .compose(a -> check(() -> {
              bodies.add(a.body());
              assertEquals(200, a.status(), a.body());
              assertEquals(publishers, n.settings().get(GatewaySettings.PUBLISHERS), "the values behind the masks");
            }))
            // changed (restart-only) and refused publishers: the answer repeats no secret-named value
            .compose(x -> call(vertx, client, n, HttpMethod.PUT, new JsonObject().put("publishers",
                new io.vertx.core.json.JsonArray().add(publisher("https://other.example"))).encode(), TOKEN))
            .compose(a -> check(() -> {
              bodies.add(a.body());
              assertEquals(400, a.status(), a.body());
              assertTrue(a.body().contains("restart_required"), a.body());
            }))
            .compose(x -> call(vertx, client, n, HttpMethod.PUT, new JsonObject().put("publishers",
                new io.vertx.core.json.JsonArray().add(publisher("https://db.example").put("instances", 0))).encode(),
                TOKEN))
            .compose(a -> check(() -> {
              bodies.add(a.body());
              assertEquals(400, a.status(), a.body());
              assertTrue(a.body().contains("invalid_settings") && a.body().contains("https://db.example"),
                  "the refused value is repeated, masked: " + a.body());
              String logged = ConfigVerticle.diff(List.of(GatewaySettings.PUBLISHERS), n.settings(),
                  dev.ssegateway.core.SettingsValidator.apply(n.settings(), new JsonObject().put("publishers",
                      new io.vertx.core.json.JsonArray().add(publisher("https://other.example")))));
              assertTrue(logged.contains("https://other.example"), logged);
              bodies.add(logged);
              assertNowhere(MARK, n, bodies);
            })))
        .onComplete(ctx.succeedingThenComplete()));
  }

  @Test
  void aRefusedSecretFromTheEnvironmentIsNotRepeated() {
    SettingsException e = assertThrows(SettingsException.class, () -> EnvOverrides.from(Map.of(
        "SSE_GATEWAY_INGEST__TOKEN", "env\u0003" + MARK)).settings(TestNode.conf(new JsonObject())));
    assertTrue(e.getMessage().contains("SSE_GATEWAY_INGEST__TOKEN"), e.getMessage());
    assertFalse(e.getMessage().contains(MARK), e.getMessage());
    assertFalse(e.toJson().encode().contains(MARK), e.toJson().encode());
  }
}
