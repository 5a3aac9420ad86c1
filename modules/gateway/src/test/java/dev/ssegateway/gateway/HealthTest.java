package dev.ssegateway.gateway;

import dev.ssegateway.core.Topics;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class HealthTest {

  static final long INTERVAL_MS = 200;
  static final long DEADLINE_MS = 1000;

  /** Fast probes, published on the bus with the node's origin, as the app's EventPublisher does. */
  static HealthOptions fastProbes(Vertx vertx, String node) {
    TestOrigin origin = new TestOrigin(vertx, node);
    return new HealthOptions()
        .setProbePublisher(data -> origin.publish(Topics.PROBE_TOPIC, Topics.PROBE_TYPE, data))
        .setProbeIntervalMs(INTERVAL_MS)
        .setProbeDeadlineMs(DEADLINE_MS);
  }

  static Future<Gateway> deploy(Vertx vertx, JsonObject settings) {
    return deploy(vertx, settings, new HeldWork());
  }

  /** With {@code held}'s seams, through which a test makes the fan-out or a lane look stuck. */
  static Future<Gateway> deploy(Vertx vertx, JsonObject settings, HeldWork held) {
    return Gateway.deploy(vertx, TestSettings.of(settings), "n1", List.of(), fastProbes(vertx, "n1"), held.seams());
  }

  static boolean is(Http.Answer a, int status) {
    return a.status() == status;
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void readyOnlyOnceAProbeWentThroughEveryInstance(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    LogCapture log = LogCapture.of(Health.class);
    deploy(vertx, null)
        .compose(g -> Http.poll(vertx, client, g.port(), "/health/ready", a -> is(a, 200), 10_000)
            .map(a -> {
              JsonObject body = new JsonObject(a.body());
              log.close();
              ctx.verify(() -> {
                // not ready while starting (polled above), but starting is not a failure: no WARN line for it
                assertEquals(List.of(), log.containing("event=health_check_failing"));
                assertEquals("ready", body.getString("status"));
                JsonObject checks = body.getJsonObject("checks");
                for (String check : List.of("fanout", "event_loop_delay", "cluster")) {
                  assertTrue(checks.getJsonObject(check).getBoolean("ok"), body.encodePrettily());
                }
                assertTrue(g.fanOutLanes().stream().allMatch(l -> l.probe().lastProbe() > 0), "every lane saw a probe");
              });
              return g;
            }))
        .compose(g -> Http.get(client, g.port(), "/health/live"))
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertEquals(200, live.status(), live.body());
          assertEquals("up", new JsonObject(live.body()).getString("status"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aStuckFanOutTurnsReadyTo503WithinItsDeadlineWhileLiveAndHttpStillAnswer(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    LogCapture log = LogCapture.of(Health.class);
    AtomicReference<Gateway> gw = new AtomicReference<>();
    AtomicLong frozenAt = new AtomicLong();
    AtomicLong toUnready = new AtomicLong();
    AtomicLong releasedAt = new AtomicLong();
    HeldWork held = new HeldWork();
    deploy(vertx, null, held)
        .compose(g -> {
          gw.set(g);
          return Http.poll(vertx, client, g.port(), "/health/ready", a -> is(a, 200), 10_000);
        })
        .compose(a -> {
          frozenAt.set(System.currentTimeMillis());
          held.fanOut.hold(gw.get().fanOutContext());
          return Http.poll(vertx, client, gw.get().port(), "/health/ready", r -> is(r, 503), 10_000);
        })
        .compose(notReady -> {
          toUnready.set(System.currentTimeMillis() - frozenAt.get());
          JsonObject body = new JsonObject(notReady.body());
          ctx.verify(() -> {
            assertEquals(1, log.containing("event=health_check_failing node=n1 check=ready.fanout").size(),
                "a real failure is still logged: " + log.lines());
            log.close();
            assertEquals("not_ready", body.getString("status"));
            assertEquals(List.of("fanout"), body.getJsonArray("failed").getList(), body.encodePrettily());
            assertTrue(body.getJsonObject("checks").getJsonObject("fanout").containsKey("since"), body.encode());
            // the probe published just before the freeze is due DEADLINE_MS later; the check sees it at once
            assertTrue(toUnready.get() <= DEADLINE_MS + INTERVAL_MS + 1000, "503 after " + toUnready.get() + " ms");
          });
          // the process, its event loops and its HTTP server are fine: only the stream path is stuck
          return Future.all(Http.get(client, gw.get().port(), "/health/live"),
              Http.get(client, gw.get().port(), "/events"),
              Http.get(client, gw.get().port(), "/metrics"));
        })
        .compose(all -> {
          Http.Answer live = all.resultAt(0);
          Http.Answer events = all.resultAt(1);
          Http.Answer metrics = all.resultAt(2);
          ctx.verify(() -> {
            assertEquals(200, live.status(), live.body());
            assertEquals(400, events.status(), "the SSE endpoint still validates requests: " + events.body());
            assertEquals(200, metrics.status());
            assertTrue(metrics.body().contains("sse_health_ready 0.0"), "sse_health_ready is 0 while stuck");
          });
          releasedAt.set(System.currentTimeMillis());
          held.fanOut.release(gw.get().fanOutContext());
          return Http.poll(vertx, client, gw.get().port(), "/health/ready", r -> is(r, 200), 10_000);
        })
        .onComplete(ctx.succeeding(ready -> ctx.verify(() -> {
          long back = System.currentTimeMillis() - releasedAt.get();
          System.out.printf("freeze test: /health/ready 503 after %d ms (deadline %d ms, interval %d ms), 200 again %d ms"
              + " after recovery%n", toUnready.get(), DEADLINE_MS, INTERVAL_MS, back);
          assertTrue(back <= INTERVAL_MS + 2000, "ready again after " + back + " ms");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void oneStuckInstanceIsEnoughToBeNotReady(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    AtomicReference<Gateway> gw = new AtomicReference<>();
    HeldWork held = new HeldWork();
    AtomicReference<io.vertx.core.Context> lane1 = new AtomicReference<>();
    deploy(vertx, null, held)
        .compose(g -> {
          gw.set(g);
          return Http.poll(vertx, client, g.port(), "/health/ready", a -> is(a, 200), 10_000);
        })
        .compose(a -> {
          lane1.set(gw.get().fanOutLanes().get(1).context());
          held.lane(lane1.get()).hold(lane1.get());
          return Http.poll(vertx, client, gw.get().port(), "/health/ready", r -> is(r, 503), 10_000);
        })
        .compose(notReady -> {
          String reason = new JsonObject(notReady.body()).getJsonObject("checks").getJsonObject("fanout")
              .getString("detail");
          ctx.verify(() -> assertTrue(reason.startsWith("1 of 2 instances stuck: instance 1 "), reason));
          held.lane(lane1.get()).release(lane1.get());
          return Http.poll(vertx, client, gw.get().port(), "/health/ready", r -> is(r, 200), 10_000);
        })
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void probesNeverReachSubscribersAndKeepOneHistoryEntry(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin publisher = new TestOrigin(vertx, "pub");
    AtomicReference<Gateway> gw = new AtomicReference<>();
    deploy(vertx, null)
        .compose(g -> {
          gw.set(g);
          return Http.get(client, g.port(), "/events?topic=" + Topics.PROBE_TOPIC);
        })
        .compose(refused -> {
          ctx.verify(() -> assertEquals(400, refused.status(), "nobody may subscribe to the probe topic"));
          return SseTestClient.open(client, gw.get().port(), "/events?topic=a")
              .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s));
        })
        .compose(s -> Await.until(vertx, () -> gw.get().stats().probesReceived.sum() >= 10, 10_000,
                () -> "10 probes, got " + gw.get().stats().probesReceived.sum())
            .compose(v -> {
              publisher.publish("a", "real");
              // the lane counts a delivery right after its writes: the client may see the frame first
              return s.awaitType("message", 1).compose(frames -> Await.until(vertx,
                  () -> gw.get().stats().deliveries.sum() >= 1, 10_000, () -> "delivery counted").map(frames));
            }))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals(List.of(WireNames.HELLO, "message"), frames.stream().map(f -> f.type()).toList());
          GatewayStats stats = gw.get().stats();
          assertEquals(1, stats.eventsReceived.sum(), "probes are not counted as events");
          assertEquals(2, stats.historyEvents.get(), "history: one probe, one real event");
          assertEquals(1, stats.deliveries.sum(), "probe writes are not counted as deliveries");
          ctx.completeNow();
        })));
  }
}
