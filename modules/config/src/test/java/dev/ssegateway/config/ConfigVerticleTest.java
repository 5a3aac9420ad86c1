package dev.ssegateway.config;

import dev.ssegateway.config.Checks.Beat;
import dev.ssegateway.config.ConfigStatus.Source;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static dev.ssegateway.config.Checks.assertOnGrid;
import static dev.ssegateway.config.Checks.assertSwitchKeepsPhase;
import static dev.ssegateway.config.Checks.beats;
import static dev.ssegateway.config.Checks.beatsOf;
import static dev.ssegateway.config.Checks.check;
import static dev.ssegateway.config.Checks.heartbeats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conf file drives the live settings: an edit reaches an open stream's heartbeat without a
 * reconnect; a bad edit (out of range, broken JSON, empty, deleted) is refused once, visibly, and the
 * settings in force stay; restart-only keys wait for a restart; environment overrides keep winning.
 * Every test runs its client side on one Vert.x context and the node scans its file every 200 ms.
 */
@ExtendWith(VertxExtension.class)
class ConfigVerticleTest {

  private static final String STREAM = "/events?topic=t";

  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.of(ConfigVerticle.class);
  }

  @AfterEach
  void releaseLog() {
    log.close();
  }

  /** Runs {@code body} on one event-loop context and completes the test when its Future succeeds. */
  private static void onContext(Vertx vertx, VertxTestContext ctx, Function<HttpClient, Future<?>> body) {
    vertx.runOnContext(v -> body.apply(vertx.createHttpClient()).onComplete(ctx.succeedingThenComplete()));
  }

  private static Future<SseTestClient> open(HttpClient client, TestNode node) {
    return SseTestClient.open(client, node.gateway().port(), STREAM);
  }

  private void assertSameStreamStillOpen(SseTestClient s, TestNode node) {
    assertFalse(s.isEnded(), "the stream ended");
    assertEquals(1, s.framesOf(WireNames.HELLO).size(), "one hello: the client never reconnected");
    assertEquals(1, node.gateway().stats().streamsOpened.sum(), "one stream opened on the node");
    assertEquals(1, node.gateway().stats().openStreams(), "the stream is still open on the node");
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void fileEditChangesTheHeartbeatOfAnOpenStreamWithoutReconnect(Vertx vertx, VertxTestContext ctx,
                                                                  @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    AtomicLong savedAt = new AtomicLong();
    AtomicLong appliedAt = new AtomicLong();
    vertx.eventBus().localConsumer(BusAddresses.SETTINGS_LOCAL, m -> appliedAt.compareAndSet(0, System.currentTimeMillis()));
    AtomicReference<TestNode> node = new AtomicReference<>();
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> {
          node.set(n);
          return open(client, n);
        })
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 2)
            .compose(f -> node.get().save(TestNode.heartbeat(3000)))
            .compose(v -> {
              savedAt.set(System.currentTimeMillis());
              return s.await(frames -> beatsOf(frames, 3000) >= 3);
            })
            .compose(frames -> check(() -> {
              List<Beat> beats = beats(s);
              int first = 0;
              while (beats.get(first).heartbeatMs() != 3000) {
                first++;
              }
              for (int i = first; i < beats.size(); i++) {
                assertEquals(3000, beats.get(i).heartbeatMs(), "every heartbeat after the switch carries 3000");
              }
              assertSwitchKeepsPhase(beats, first, 1000, 3000, 500, 1800);
              assertSameStreamStillOpen(s, node.get());
              assertEquals(3000, node.get().settings().heartbeatMs());
              assertEquals(Source.FILE, node.get().status().source());
              assertEquals(1, log.containing("event=config_accepted source=file changed=[heartbeat_ms: 1000 -> 3000]")
                  .size(), "one accepted line: " + log.lines());
              System.out.printf("MEASURE file_save_to_applied_ms=%d file_save_to_first_3000_heartbeat_ms=%d "
                      + "gap_last_1000_to_first_3000_ms=%d%n", appliedAt.get() - savedAt.get(),
                  beats.get(first).atMs() - savedAt.get(), beats.get(first).atMs() - beats.get(first - 1).atMs());
            }))));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void outOfRangeEditIsRefusedOnceAndTheIntervalStays(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(3000));
    AtomicReference<TestNode> node = new AtomicReference<>();
    AtomicInteger beatsBefore = new AtomicInteger();
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(3000))
        .compose(n -> {
          node.set(n);
          return open(client, n);
        })
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 1)
            .compose(f -> node.get().save(TestNode.heartbeat(500)))
            .compose(v -> Await.until(vertx, () -> node.get().status().lastRejected() != null, 10_000,
                () -> "the rejection"))
            .compose(v -> {
              beatsBefore.set(s.framesOf(WireNames.HEARTBEAT).size());
              return s.await(frames -> heartbeats(frames) >= beatsBefore.get() + 2);
            })
            .compose(frames -> check(() -> {
              List<Beat> beats = beats(s);
              beats.forEach(b -> assertEquals(3000, b.heartbeatMs(), "the interval stays 3000: " + beats));
              assertOnGrid(beats, 0, 3000, 1800);
              assertSameStreamStillOpen(s, node.get());
              ConfigStatus.Rejection r = node.get().status().lastRejected();
              assertEquals(Source.FILE, r.source());
              assertEquals("invalid_settings", r.error());
              assertTrue(r.message().contains("heartbeat_ms: 500 is out of range; allowed: an integer in 1000..60000"),
                  r.message());
              assertEquals("heartbeat_ms", r.problems().getJsonObject(0).getString("key"));
              JsonObject shown = node.get().status().toJson();
              assertEquals(3000, shown.getJsonObject("settings").getInteger("heartbeat_ms"));
              assertEquals("file", shown.getJsonObject("last_rejected").getString("source"));
              List<String> rejected = log.containing("event=config_rejected");
              assertEquals(1, rejected.size(), "one line per refused edit: " + log.lines());
              assertTrue(rejected.get(0).contains("heartbeat_ms: 500 is out of range"), rejected.get(0));
              System.out.println("LOGLINE rejected_value: " + rejected.get(0));
            }))));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void brokenJsonIsReportedOnceWithItsPositionThenTheFixedFileApplies(Vertx vertx, VertxTestContext ctx,
                                                                     @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    AtomicReference<TestNode> node = new AtomicReference<>();
    AtomicInteger beatsBefore = new AtomicInteger();
    String broken = "{\n  \"heartbeat_ms\": 2000,\n  \"retry_ms\" 800\n}\n";
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> {
          node.set(n);
          return open(client, n);
        })
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 1)
            .compose(f -> node.get().save(broken))
            .compose(v -> Await.until(vertx, () -> node.get().status().lastRejected() != null, 10_000,
                () -> "the rejection"))
            .compose(v -> {
              // 3 more heartbeats at 1000 ms: at least 10 more scans of the broken file
              beatsBefore.set(s.framesOf(WireNames.HEARTBEAT).size());
              return s.await(frames -> heartbeats(frames) >= beatsBefore.get() + 3);
            })
            .compose(frames -> check(() -> {
              beats(s).forEach(b -> assertEquals(1000, b.heartbeatMs()));
              assertEquals(1000, node.get().settings().heartbeatMs());
              ConfigStatus.Rejection r = node.get().status().lastRejected();
              assertEquals("invalid_json", r.error());
              assertEquals(3, r.problems().getJsonObject(0).getInteger("line"), r.toJson().encode());
              List<String> rejected = log.containing("event=config_rejected");
              assertEquals(1, rejected.size(), "a broken file is reported once, not every scan: " + log.lines());
              assertTrue(rejected.get(0).contains("error=invalid_json") && rejected.get(0).contains("line 3 column"),
                  rejected.get(0));
              System.out.println("LOGLINE broken_json: " + rejected.get(0));
            }))
            .compose(v -> node.get().save(TestNode.heartbeat(2000)))
            .compose(v -> s.await(frames -> beatsOf(frames, 2000) >= 2))
            .compose(frames -> check(() -> {
              List<Beat> beats = beats(s);
              int first = 0;
              while (beats.get(first).heartbeatMs() != 2000) {
                first++;
              }
              assertSwitchKeepsPhase(beats, first, 1000, 2000, 500, 1200);
              assertEquals(2000, node.get().settings().heartbeatMs());
              assertSameStreamStillOpen(s, node.get());
              assertEquals(1, log.containing("event=config_accepted source=file changed=[heartbeat_ms: 1000 -> 2000]")
                  .size(), log.lines().toString());
            }))));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void deletedFileIsReportedOnceAndTheSettingsStay(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    AtomicReference<TestNode> node = new AtomicReference<>();
    AtomicInteger beatsBefore = new AtomicInteger();
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> {
          node.set(n);
          return open(client, n);
        })
        .compose(s -> s.awaitType(WireNames.HEARTBEAT, 1)
            .compose(f -> node.get().deleteConf())
            .compose(v -> Await.until(vertx, () -> node.get().status().lastRejected() != null, 10_000,
                () -> "the rejection"))
            .compose(v -> {
              beatsBefore.set(s.framesOf(WireNames.HEARTBEAT).size());
              return s.await(frames -> heartbeats(frames) >= beatsBefore.get() + 3);
            })
            .compose(frames -> check(() -> {
              List<Beat> beats = beats(s);
              beats.forEach(b -> assertEquals(1000, b.heartbeatMs()));
              assertOnGrid(beats, 0, 1000, 700);
              assertEquals(TestNode.heartbeat(1000).getInteger("heartbeat_ms"), node.get().settings().heartbeatMs());
              assertEquals("file_unreadable", node.get().status().lastRejected().error());
              assertEquals("no such file", node.get().status().lastRejected().message());
              List<String> rejected = log.containing("event=config_rejected");
              assertEquals(1, rejected.size(), log.lines().toString());
              System.out.println("LOGLINE deleted_file: " + rejected.get(0));
              assertSameStreamStillOpen(s, node.get());
            }))
            .compose(v -> node.get().save(TestNode.heartbeat(2000)))
            .compose(v -> s.await(frames -> beatsOf(frames, 2000) >= 1))
            .compose(frames -> check(() -> assertSameStreamStillOpen(s, node.get())))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void emptyFileIsRefusedAndTheSettingsStay(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> n.save("")
            .compose(v -> Await.until(vertx, () -> n.status().lastRejected() != null, 10_000, () -> "the rejection"))
            .compose(v -> check(() -> {
              assertEquals("invalid_json", n.status().lastRejected().error());
              assertEquals("the file is empty", n.status().lastRejected().message());
              assertEquals(1000, n.settings().heartbeatMs());
              assertEquals(GatewaySettings.defaults().retryMs(), n.settings().retryMs());
              System.out.println("LOGLINE empty_file: " + log.containing("event=config_rejected").get(0));
            }))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aFileBrokenThenRestoredToTheSameContentIsReportedReadableAndABreakAfterThatIsReportedAgain(
      Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    JsonObject good = TestNode.heartbeat(2000);
    String broken = "{ \"heartbeat_ms\": ";
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> n.save(good)
            .compose(v -> Await.until(vertx, () -> n.settings().heartbeatMs() == 2000, 10_000, () -> "2000 applied"))
            .compose(v -> n.save(broken))
            .compose(v -> Await.until(vertx, () -> log.containing("event=config_rejected").size() == 1, 10_000,
                () -> "first rejection"))
            .compose(v -> n.save(good))
            .compose(v -> Await.until(vertx, () -> !log.containing("file readable again").isEmpty(), 10_000,
                () -> "readable again: " + log.lines()))
            .compose(v -> n.save(broken))
            .compose(v -> Await.until(vertx, () -> log.containing("event=config_rejected").size() == 2, 10_000,
                () -> "second rejection: " + log.lines()))
            .compose(v -> check(() -> assertEquals(2000, n.settings().heartbeatMs())))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void restartOnlyKeysChangedInTheFileArePendingAndNotApplied(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    JsonObject edited = TestNode.heartbeat(1000).put("retry_ms", 800);
    edited.getJsonObject("http").put("port", 18080);
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000))
        .compose(n -> n.save(edited)
            .compose(v -> Await.until(vertx, () -> n.settings().retryMs() == 800, 10_000, () -> "retry_ms applied"))
            .compose(v -> check(() -> {
              assertEquals(0, n.settings().get(GatewaySettings.HTTP_PORT), "http.port keeps its running value");
              assertEquals(List.of("http.port"), n.status().pendingRestart());
              assertEquals(List.of("http.port"), n.status().toJson().getJsonArray("pending_restart").getList());
              List<String> accepted = log.containing("event=config_accepted");
              assertEquals(1, accepted.size(), log.lines().toString());
              assertEquals("event=config_accepted source=file changed=[retry_ms: 500 -> 800] "
                  + "needs_restart=[http.port: 0 -> 18080]", accepted.get(0));
            }))
            .compose(v -> n.save(TestNode.heartbeat(1000).put("retry_ms", 800)))
            .compose(v -> Await.until(vertx, () -> n.status().pendingRestart().isEmpty(), 10_000,
                () -> "pending restart cleared"))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anEditOfThePublishersOrOfOneEntrysConfigIsPendingUntilRestart(Vertx vertx, VertxTestContext ctx,
                                                                     @TempDir Path dir) {
    io.vertx.core.json.JsonArray before = new io.vertx.core.json.JsonArray().add(new JsonObject().put("name", "orders")
        .put("class", "com.acme.OrdersPublisher").put("config", new JsonObject().put("interval_ms", 1000)));
    io.vertx.core.json.JsonArray after = before.copy();
    after.getJsonObject(0).getJsonObject("config").put("interval_ms", 200);
    JsonObject conf = TestNode.heartbeat(1000).put("publishers", before);
    Path file = TestNode.writeNow(dir.resolve("conf.json"), conf);
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, conf)
        .compose(n -> n.save(TestNode.heartbeat(1000).put("publishers", after).put("retry_ms", 800))
            .compose(v -> Await.until(vertx, () -> n.settings().retryMs() == 800, 10_000, () -> "retry_ms applied"))
            .compose(v -> check(() -> {
              assertEquals(before, n.settings().get(GatewaySettings.PUBLISHERS), "the running publishers stay");
              assertEquals(List.of("publishers"), n.status().pendingRestart());
              assertTrue(log.containing("event=config_accepted").get(0).contains("needs_restart=[publishers: "),
                  log.lines().toString());
            }))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void environmentOverrideKeepsWinningOverTheFileOnReload(Vertx vertx, VertxTestContext ctx, @TempDir Path dir) {
    Path file = TestNode.writeNow(dir.resolve("conf.json"), TestNode.heartbeat(1000));
    Map<String, String> env = Map.of("SSE_GATEWAY_HEARTBEAT_MS", "2000");
    onContext(vertx, ctx, client -> TestNode.start(vertx, file, TestNode.heartbeat(1000), env)
        .compose(n -> check(() -> assertEquals(2000, n.settings().heartbeatMs(), "the override applies at startup"))
            .compose(v -> n.save(TestNode.heartbeat(5000).put("retry_ms", 800)))
            .compose(v -> Await.until(vertx, () -> n.settings().retryMs() == 800, 10_000, () -> "retry_ms applied"))
            .compose(v -> check(() -> assertEquals(2000, n.settings().heartbeatMs(), "the override still wins")))));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void clusterChangesFromOtherNodesApplyAndOurOwnAreNotAppliedTwice(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger applied = new AtomicInteger();
    vertx.eventBus().localConsumer(BusAddresses.SETTINGS_LOCAL, m -> applied.incrementAndGet());
    onContext(vertx, ctx, client -> TestNode.start(vertx, null, TestNode.heartbeat(1000))
        .compose(n -> {
          vertx.eventBus().publish(BusAddresses.SETTINGS_CLUSTER, new JsonObject()
              .put("origin", n.configVerticle().origin()).put("changes", new JsonObject().put("heartbeat_ms", 4000)));
          vertx.eventBus().publish(BusAddresses.SETTINGS_CLUSTER, new JsonObject()
              .put("origin", "another-node").put("changes", new JsonObject().put("heartbeat_ms", 2000)));
          vertx.eventBus().publish(BusAddresses.SETTINGS_CLUSTER, new JsonObject()
              .put("origin", "another-node").put("changes", new JsonObject().put("heartbeat_ms", 70000)));
          return Await.until(vertx, () -> n.status().lastRejected() != null && applied.get() >= 1, 10_000, () -> "the bad cluster change")
              .compose(v -> check(() -> {
                assertEquals(2000, n.settings().heartbeatMs());
                assertEquals(1, applied.get(), "only the other node's change was applied");
                assertEquals(Source.CLUSTER, n.status().source());
                assertEquals(Source.CLUSTER, n.status().lastRejected().source());
                assertNotNull(n.status().lastRejected().message());
              }));
        }));
  }
}
