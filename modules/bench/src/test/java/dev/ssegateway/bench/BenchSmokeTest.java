package dev.ssegateway.bench;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.IngestPublisher;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark harness measures what it claims: run with tiny numbers (50 streams x 20 events/s for
 * 3 s) against the gateway and the raw server in this JVM, every event reaches every stream exactly once
 * and the numbers are sane. The real benchmark is {@code modules/bench/run.sh}, not part of the build.
 */
@ExtendWith(VertxExtension.class)
class BenchSmokeTest {

  private static final Map<String, String> TINY = Map.of("streams", "50", "rate", "20", "warmup", "0.5",
      "duration", "3", "procs", "0", "sources", "2", "drain-max", "10");

  @Test
  void gatewayFanOutLosesNothingAndMeasuresSanely(Vertx vertx) throws Exception {
    GatewaySettings settings = TestSettings.of(new JsonObject().put("heartbeat_ms", 1000));
    EventPublisher publisher = EventPublisher.install(vertx, "bench-node");
    LiveSettings live = LiveSettings.create(settings);
    IngestPublisher ingest = IngestPublisher.create(publisher, live, dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    Gateway gateway = Gateway.deploy(vertx, settings, publisher.origin(),
        List.of(r -> r.post("/publish/:topic").handler(ingest))).await();
    try {
      JsonObject r = new ScenarioDriver(vertx, new Target(Target.GATEWAY, "127.0.0.1", gateway.port(), 0), TINY)
          .run("fanout");
      assertSane(r);
    } finally {
      gateway.close().await();
    }
  }

  @Test
  void publisherScenarioRampsHttpIngestThenTheInProcessPublisherWithoutLoss(Vertx vertx) throws Exception {
    GatewaySettings settings = TestSettings.of(new JsonObject().put("heartbeat_ms", 1000));
    EventPublisher publisher = EventPublisher.install(vertx, "bench-node");
    IngestPublisher ingest = IngestPublisher.create(publisher, LiveSettings.create(settings), dev.ssegateway.core.TokenAuth.load(vertx, settings).await());
    Gateway gateway = Gateway.deploy(vertx, settings, publisher.origin(),
        List.of(r -> r.post("/publish/:topic").handler(ingest))).await();
    InProcessPublisher inProcess = new InProcessPublisher();
    vertx.deployVerticle(inProcess, new io.vertx.core.DeploymentOptions()
        .setConfig(new JsonObject().put("control_port", 0))).await();
    try {
      Map<String, String> params = new java.util.HashMap<>(Map.of("streams", "30", "rate", "20", "factor", "2",
          "settle", "0.5", "step", "1.5", "max-steps", "2", "max-p99-ms", "5000", "procs", "0", "sources", "2",
          "drain-max", "10"));
      params.put("control-port", String.valueOf(inProcess.controlPort()));
      JsonObject r = new ScenarioDriver(vertx, new Target(Target.GATEWAY, "127.0.0.1", gateway.port(), 0), params)
          .run("publisher");
      String all = r.encodePrettily();
      for (String variant : List.of("http", "inProcess")) {
        JsonObject best = r.getJsonObject(variant).getJsonObject("best");
        assertTrue(best != null && best.getDouble("rate") >= 20, variant + ": " + all);
        assertEquals(0, best.getLong("missingAdjusted"), variant + ": " + all);
        assertEquals(0, best.getLong("duplicates"), variant + ": " + all);
      }
      List<String> labels = r.getJsonArray("table").stream().map(row -> ((io.vertx.core.json.JsonArray) row)
          .getString(0)).toList();
      assertTrue(labels.contains("HTTP ingest: highest sustainable events/s")
          && labels.contains("in-process: highest sustainable events/s"), labels.toString());
    } finally {
      gateway.close().await();
    }
  }

  @Test
  void rawServerFanOutLosesNothingAndMeasuresSanely(Vertx vertx) throws Exception {
    int port = RawSseServer.deploy(vertx, "127.0.0.1", 0, 2, 1000).await();
    assertSane(new ScenarioDriver(vertx, new Target(Target.RAW, "127.0.0.1", port, 0), TINY).run("fanout"));
  }

  @Test
  void lightScenarioWarmsTheJitFirstAndMeasuresOnlyTheLightRate(Vertx vertx) throws Exception {
    int port = RawSseServer.deploy(vertx, "127.0.0.1", 0, 2, 1000).await();
    Map<String, String> params = new java.util.HashMap<>(TINY);
    params.put("jit-warmup", "1");
    params.put("jit-warmup-rate", "100");
    JsonObject r = new ScenarioDriver(vertx, new Target(Target.RAW, "127.0.0.1", port, 0), params).run("fanout");
    // the window is the light rate's alone (assertSane: 500..1500 deliveries/s, nothing missing from the window on)
    assertSane(r);
    String all = r.encodePrettily();
    // ...and it came after the warm-up's events: ~100 of them, then ~70 at 20 events/s
    assertTrue(r.getJsonObject("window").getLong("lastSeq") >= 60 + 40, all);
    assertTrue(r.getJsonArray("table").encode().contains("JIT warm-up before the window"), all);
  }

  @Test
  void serverProbeReadsThisProcess() {
    ServerProbe probe = new ServerProbe(ProcessHandle.current().pid());
    assertTrue(probe.rssKb() > 10_000, "RSS of this JVM in kB: " + probe.rssKb());
    assertTrue(probe.cpuMs() > 0);
  }

  private static void assertSane(JsonObject r) {
    JsonObject open = r.getJsonObject("open");
    JsonObject w = r.getJsonObject("window");
    String all = r.encodePrettily();
    assertEquals(50, open.getLong("ok"), all);
    assertEquals(0, open.getLong("failed"), all);
    assertEquals(50, w.getLong("live"), all);
    assertEquals(0, w.getLong("publishFailures"), all);
    assertTrue(w.getLong("lastSeq") >= 40, all);
    assertEquals(0, w.getLong("missing"), all);
    assertEquals(0, w.getLong("duplicates"), all);
    assertEquals(50 * w.getLong("lastSeq"), w.getLong("deliveries"), all);
    double perS = w.getDouble("deliveriesPerS");
    assertTrue(perS > 500 && perS < 1500, "50 streams x 20 events/s: " + perS);
    Histogram lat = LoadGenerator.decode(w.getString("latencyMicros"));
    assertTrue(lat.getTotalCount() > 1000, all);
    assertTrue(lat.getValueAtPercentile(50) > 0 && lat.getMaxValue() < 10_000_000, all);
    assertTrue(w.getLong("heartbeats") > 0, "a 1 s heartbeat seen on 50 streams within the run: " + all);
    // per event: one first and one last delivery for each event of the window, the first never after the last
    Histogram first = LoadGenerator.decode(w.getString("firstDeliveryMicros"));
    Histogram last = LoadGenerator.decode(w.getString("lastDeliveryMicros"));
    assertEquals(lat.getTotalCount(), 50 * first.getTotalCount(), "one first delivery per event: " + all);
    assertEquals(first.getTotalCount(), last.getTotalCount(), all);
    assertTrue(first.getMinValue() <= lat.getMinValue() + 1 && last.getMaxValue() + 1 >= lat.getMaxValue()
        && first.getValueAtPercentile(50) <= last.getValueAtPercentile(50), all);
    assertFalse(r.getJsonArray("table").isEmpty());
  }
}
