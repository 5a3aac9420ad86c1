package dev.ssegateway.app;

import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fat jar as a user runs it: {@code java -jar sse-gateway.jar -conf conf.json}. */
class GatewayLauncherIT {

  @TempDir
  Path dir;
  private Vertx vertx;

  @BeforeEach
  void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Path conf(JsonObject json) throws Exception {
    Path file = dir.resolve("conf.json");
    Files.writeString(file, json.encodePrettily());
    return file;
  }

  private String failToStart(String confText) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, confText);
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", file.toString())) {
      assertEquals(1, p.awaitExit(30_000), p.output());
      return p.output();
    }
  }

  @Test
  void outOfRangeHeartbeatStopsStartupNamingKeyValueAndRange() throws Exception {
    String out = failToStart("{\"heartbeat_ms\": 500}");
    assertTrue(out.contains("heartbeat_ms: 500 is out of range; allowed: an integer in 1000..60000"), out);
    assertEquals(1, out.lines().filter(l -> l.contains("heartbeat_ms")).count(), out);
  }

  @Test
  void stringWhereANumberBelongsStopsStartup() throws Exception {
    String out = failToStart("{\"http\": {\"port\": \"eighty\"}}");
    assertTrue(out.contains("http.port: \"eighty\" is not a number; allowed: an integer in 0..65535"), out);
  }

  @Test
  void unknownKeyStopsStartup() throws Exception {
    String out = failToStart("{\"heartbeat\": 1000}");
    assertTrue(out.contains("heartbeat: unknown key"), out);
  }

  @Test
  void missingConfFileStopsStartup() throws Exception {
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", dir.resolve("nope.json").toString())) {
      assertEquals(1, p.awaitExit(30_000));
      assertTrue(p.output().contains("does not exist"), p.output());
    }
  }

  @Test
  void theJarServesTickerEventsAcceptsPublishesAndStopsOnSigterm() throws Exception {
    Path file = conf(new JsonObject()
        .put("node_id", "itnode")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("ticker", new JsonObject().put("enabled", true).put("interval_ms", 200)));
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", file.toString())) {
      int port = p.awaitReady(60_000);
      HttpClient client = vertx.createHttpClient();
      SseTestClient stream = SseTestClient.open(client, port, "/events?topic=demo").await(10, TimeUnit.SECONDS);
      stream.awaitType("tick", 2).await(20, TimeUnit.SECONDS);
      JsonObject reply = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
              .setPort(port).setURI("/publish/demo?event=greeting").putHeader("Content-Type", "application/json"))
          .compose(r -> r.send(Buffer.buffer("{\"hello\":1}")))
          .compose(r -> r.body().map(b -> new JsonObject().put("status", r.statusCode()).put("body", b.toJsonObject())))
          .await(10, TimeUnit.SECONDS);
      assertEquals(202, reply.getInteger("status"), reply.encode());
      assertTrue(reply.getJsonObject("body").getString("id").startsWith("itnode."), reply.encode());
      var frames = stream.awaitType("greeting", 1).await(10, TimeUnit.SECONDS);
      assertEquals("{\"hello\":1}", frames.stream().filter(f -> f.type().equals("greeting")).findFirst()
          .orElseThrow().data());
      assertEquals("itnode", new JsonObject(frames.get(0).data()).getString("node"));
      int code = p.terminate(30_000);
      assertTrue(code == 0 || code == 143, "exit code " + code + "\n" + p.output());
    }
  }

  @Test
  void theJarsMetricsKeepClientChosenLabelsBounded() throws Exception {
    Path file = conf(new JsonObject().put("node_id", "itnode")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)));
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", file.toString())) {
      int port = p.awaitReady(60_000);
      HttpClient client = vertx.createHttpClient();
      for (String method : List.of("BREWAAA", "BREWAAB", "BREWAAC")) {
        int status = client.request(new RequestOptions().setMethod(HttpMethod.valueOf(method)).setHost("127.0.0.1")
                .setPort(port).setURI("/r/" + method))
            .compose(r -> r.send()).map(r -> r.statusCode()).await(10, TimeUnit.SECONDS);
        assertEquals(405, status);
      }
      String metrics = client.request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
          .compose(r -> r.send()).compose(r -> r.body()).await(10, TimeUnit.SECONDS).toString();
      assertTrue(metrics.contains("vertx_http_server_requests_total{code=\"405\",method=\"OTHER\""), metrics);
      assertTrue(!metrics.contains("BREWAA"), "no series carries a client's method name");
      int code = p.terminate(30_000);
      assertTrue(code == 0 || code == 143, "exit code " + code + "\n" + p.output());
    }
  }
}
