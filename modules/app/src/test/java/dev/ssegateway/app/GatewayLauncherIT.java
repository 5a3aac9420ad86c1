package dev.ssegateway.app;

import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fat jar as a user runs it: {@code java -jar sse-gateway.jar -conf conf.json}. */
class GatewayLauncherIT extends GatewayProcesses {

  private String failToStart(String confText) throws Exception {
    Path file = write("bad.json", confText);
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
  void helpDescribesThisGatewayAndAMainVerticleArgumentIsRefusedWithOneLine() throws Exception {
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "--help")) {
      assertEquals(0, p.awaitExit(30_000), p.output());
      assertTrue(p.output().contains("-conf <file|json>") && p.output().contains("SSE_GATEWAY_<KEY>")
          && !p.output().contains("mainVerticle"), p.output());
    }
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "com.acme.OrdersPublisher")) {
      assertEquals(2, p.awaitExit(30_000), p.output());
      assertEquals(List.of("sse-gateway: unexpected argument 'com.acme.OrdersPublisher': the gateway takes no main "
          + "verticle; deploy your verticles with the 'publishers' conf key (docs/publishing.md); see --help"),
          p.output().lines().toList());
    }
  }

  @Test
  void missingConfFileStopsStartup() throws Exception {
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", dir.resolve("nope.json").toString())) {
      assertEquals(1, p.awaitExit(30_000));
      assertTrue(p.output().contains("does not exist"), p.output());
    }
  }

  /** A log line at WARN or ERROR in the format of the jar's logback.xml ({@code HH:mm:ss.SSS LEVEL [thread] ...}). */
  private static final Pattern WARN_OR_ERROR = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (WARN|ERROR) ");

  @Test
  void aPortInUseIsOneLineNamingAddressAndPortWithoutStackTrace() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Path file = conf(new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", port)));
      try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", file.toString())) {
        int code = p.awaitExit(60_000);
        String out = p.output();
        assertEquals(1, code, out);
        assertEquals(List.of("sse-gateway: cannot listen on 127.0.0.1:" + port
                + ": address already in use (http.host/http.port)"),
            out.lines().filter(l -> l.contains(":" + port)).toList(), out);
        assertTrue(out.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), out);
      }
    }
  }

  @Test
  void withoutConfTheNodeSaysItRunsOnDefaultsAndNamesItsRandomNode() throws Exception {
    Map<String, String> env = Map.of("SSE_GATEWAY_HTTP__HOST", "127.0.0.1", "SSE_GATEWAY_HTTP__PORT", "0");
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), env)) {
      p.awaitReady(60_000);
      Matcher ready = Pattern.compile("event=node_ready node=(\\S+) ").matcher(p.output());
      assertTrue(ready.find(), p.output());
      List<String> defaults = p.output().lines().filter(l -> l.contains("event=config_defaults")).toList();
      assertEquals(1, defaults.size(), p.output());
      assertTrue(defaults.get(0).contains("node=" + ready.group(1) + " node_id=random env_overrides=2 "
          + "message=\"no -conf given, or it sets nothing: running on the default settings"), defaults.get(0));
      int code = p.terminate(30_000);
      assertEquals(0, code, p.output());
    }
  }

  @Test
  void aBadEnvironmentOverrideNamesTheVariableNotTheFile() throws Exception {
    Path file = conf(new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)));
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), Map.of("SSE_GATEWAY_HEARTBEAT_MS", "5"),
        "-conf", file.toString())) {
      assertEquals(1, p.awaitExit(30_000), p.output());
      assertTrue(p.output().contains("sse-gateway: invalid configuration in the environment: "
          + "SSE_GATEWAY_HEARTBEAT_MS=5: heartbeat_ms: 5 is out of range; allowed: an integer in 1000..60000"),
          p.output());
      assertFalse(p.output().contains("conf.json"), "the file is fine and not blamed: " + p.output());
    }
  }

  /**
   * What an operator alerting on WARN and ERROR sees from a healthy node: nothing. A start, a stream, a scrape of
   * /admin/stats and a SIGTERM log no line at WARN or ERROR, and the stop ends with {@code event=gateway_stopped}.
   */
  @Test
  void aCleanStartAndStopLogsNothingAtWarnOrErrorAndEndsWithGatewayStopped() throws Exception {
    Path file = conf(new JsonObject()
        .put("node_id", "quiet")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("admin", new JsonObject().put("token", "admin-secret"))
        .put("ingest", new JsonObject().put("token", "ingest-secret"))
        .put("ticker", new JsonObject().put("enabled", true).put("interval_ms", 200)));
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", file.toString())) {
      int port = p.awaitReady(60_000);
      HttpClient client = vertx.createHttpClient();
      SseTestClient stream = SseTestClient.open(client, port, "/events?topic=demo").await(10, TimeUnit.SECONDS);
      stream.awaitType("tick", 2).await(20, TimeUnit.SECONDS);
      JsonObject stats = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
              .setPort(port).setURI("/admin/stats").putHeader("Authorization", "Bearer admin-secret"))
          .compose(r -> r.send()
              .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
                  .put("body", b.toString()))))
          .await(10, TimeUnit.SECONDS);
      assertEquals(200, stats.getInteger("status"), stats.encode());
      JsonObject body = new JsonObject(stats.getString("body"));
      assertEquals(1L, body.getLong("open_streams"), body.encode());
      assertEquals("quiet", body.getString("node"), body.encode());

      int code = p.terminate(30_000);
      String out = p.output();
      assertEquals(0, code, out);
      assertEquals(List.of(), out.lines().filter(l -> WARN_OR_ERROR.matcher(l).find()).toList(), out);
      int stopping = out.indexOf("event=node_stopping node=quiet");
      int stopped = out.indexOf("event=gateway_stopped node=quiet port=" + port);
      assertTrue(stopping >= 0 && stopped > stopping, "node_stopping, then gateway_stopped: " + out);
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
          .compose(r -> r.send(Buffer.buffer("{\"hello\":1}"))
              .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
                  .put("body", b.toJsonObject()))))
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
          .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
      assertTrue(metrics.contains("vertx_http_server_requests_total{code=\"405\",method=\"OTHER\""), metrics);
      assertTrue(!metrics.contains("BREWAA"), "no series carries a client's method name");
      int code = p.terminate(30_000);
      assertTrue(code == 0 || code == 143, "exit code " + code + "\n" + p.output());
    }
  }
}
