package dev.ssegateway.app;

import dev.ssegateway.testsupport.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app wires the real probe (through this node's EventPublisher) and its own series: the node is ready only
 * through the real path, and config reloads move {@code sse_config_reloads_total} by outcome.
 */
@ExtendWith(VertxExtension.class)
class NodeHealthMetricsTest {

  @TempDir
  Path dir;

  private static Future<String> get(HttpClient client, int port, String path, int status) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path))
        .compose(r -> r.send()
            .compose(resp -> resp.body().compose(b -> resp.statusCode() == status ? Future.succeededFuture(b.toString())
                : Future.failedFuture(path + " answered " + resp.statusCode() + ": " + b))));
  }

  /**
   * Replaces the conf file as editors and deploy tools do, a new file renamed over it: written in place, a scan of
   * the node could read it truncated (empty or half-written), a refusal of its own that the counts below would see.
   */
  private static Future<Void> replace(Vertx vertx, Path file, String text) {
    String tmp = file + ".tmp";
    return vertx.fileSystem().writeFile(tmp, io.vertx.core.buffer.Buffer.buffer(text))
        .compose(v -> vertx.fileSystem().move(tmp, file.toString(),
            new io.vertx.core.file.CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void readyThroughTheRealProbeAndConfigReloadsAreCountedByOutcome(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path conf = dir.resolve("conf.json");
    JsonObject base = new JsonObject().put("node_id", "app1")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2))
        .put("heartbeat_ms", 5000);
    Files.writeString(conf, base.encodePrettily());
    JsonObject appConf = base.copy().put(GatewayLauncher.CONF_FILE_KEY, conf.toString());
    AppVerticle app = new AppVerticle();
    HttpClient client = vertx.createHttpClient();
    AtomicReference<String> scrape = new AtomicReference<>("");
    vertx.deployVerticle(app, new DeploymentOptions().setConfig(appConf))
        .compose(id -> Await.until(vertx, () -> app.gateway().health().isReady(), 15_000,
            () -> "ready: " + app.gateway().health().ready().encodePrettily()))
        .compose(v -> get(client, app.gateway().port(), "/health/ready", 200))
        .compose(body -> {
          ctx.verify(() -> assertTrue(new JsonObject(body).getJsonObject("checks").getJsonObject("config")
              .getBoolean("ok"), body));
          return get(client, app.gateway().port(), "/metrics", 200);
        })
        .compose(before -> {
          ctx.verify(() -> {
            assertEquals(5.0, value(before, "sse_heartbeat_interval_seconds"));
            assertTrue(value(before, "sse_health_probes_received_total") >= 1, "the app's probe went over the bus");
          });
          scrape.set(before);
          return replace(vertx, conf, base.copy().put("heartbeat_ms", 2000).encodePrettily())
              .compose(v -> Await.until(vertx, () -> app.gateway().metrics().scrape()
                  .contains("sse_heartbeat_interval_seconds 2.0"), 10_000, () -> "reload applied"));
        })
        .compose(v -> replace(vertx, conf, "{ broken"))
        .compose(v -> Await.until(vertx, () -> value(app.gateway().metrics().scrape(),
            "sse_config_reloads_total{result=\"rejected\"}") >= 1, 10_000, () -> "rejection counted"))
        .compose(v -> get(client, app.gateway().port(), "/metrics", 200))
        .compose(after -> {
          String before = scrape.get();
          ctx.verify(() -> {
            assertEquals(1.0, value(after, "sse_config_reloads_total{result=\"accepted\"}")
                - value(before, "sse_config_reloads_total{result=\"accepted\"}"));
            assertEquals(1.0, value(after, "sse_config_reloads_total{result=\"rejected\"}")
                - value(before, "sse_config_reloads_total{result=\"rejected\"}"));
          });
          // a refused file leaves the node serving with the settings in force: still ready
          return get(client, app.gateway().port(), "/health/ready", 200);
        })
        .onComplete(ctx.succeeding(body -> ctx.verify(() -> {
          String detail = new JsonObject(body).getJsonObject("checks").getJsonObject("config").getString("detail");
          assertTrue(detail.contains("last refused change"), detail);
          ctx.completeNow();
        })));
  }
}
