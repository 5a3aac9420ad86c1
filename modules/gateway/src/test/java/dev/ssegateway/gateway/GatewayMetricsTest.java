package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code /metrics} series moves by exactly what the gateway did. One instance, so latency samples are exact. */
@ExtendWith(VertxExtension.class)
class GatewayMetricsTest {

  private final List<Metrics> scrapes = new ArrayList<>();

  private Future<Metrics> scrape(HttpClient client, int port) {
    return Http.get(client, port, "/metrics").map(a -> {
      if (a.status() != 200) {
        throw new IllegalStateException("/metrics answered " + a.status());
      }
      Metrics m = Metrics.parse(a.body());
      scrapes.add(m);
      return m;
    });
  }

  private Metrics first() {
    return scrapes.get(0);
  }

  private Metrics last() {
    return scrapes.get(scrapes.size() - 1);
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theHistoryBytesGaugeSaysItCountsOffHeapMemoryToo(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> Http.get(client, g.port(), "/metrics"))
        .onComplete(ctx.succeeding(a -> ctx.verify(() -> {
          String help = a.body().lines().filter(l -> l.startsWith("# HELP sse_history_bytes ")).findFirst()
              .orElseThrow(() -> new AssertionError("no HELP line for sse_history_bytes"));
          // EncodedEvent.retainedBytes counts each event's off-heap frame: the gauge is not "heap"
          assertTrue(help.contains("heap and off-heap"), help);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void everySeriesMovesByWhatTheGatewayDid(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin origin = new TestOrigin(vertx, "pub");
    AtomicReference<Gateway> gw = new AtomicReference<>();
    List<SseTestClient> streams = new ArrayList<>();
    JsonObject settings = new JsonObject().put("http.instances", 1).put("heartbeat_ms", 1000);
    HealthTest.deploy(vertx, settings)
        .compose(g -> {
          gw.set(g);
          return Http.poll(vertx, client, g.port(), "/health/ready", a -> a.status() == 200, 10_000);
        })
        .compose(ready -> scrape(client, gw.get().port()))
        .compose(m0 -> {
          List<Future<SseTestClient>> opened = new ArrayList<>();
          for (String path : List.of("/events?topic=a", "/events?topic=a&topic=b&topic=c",
              "/events?topic=a&topic=b&topic=c&topic=d&topic=e")) {
            opened.add(SseTestClient.open(client, gw.get().port(), path)
                .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
          }
          return Future.all(opened);
        })
        .compose(all -> {
          streams.addAll(all.list());
          return scrape(client, gw.get().port());
        })
        .compose(m1 -> {
          ctx.verify(() -> {
            assertEquals(1.0, m1.get("sse_open_streams{topics=\"1\"}"));
            assertEquals(1.0, m1.get("sse_open_streams{topics=\"2-4\"}"));
            assertEquals(1.0, m1.get("sse_open_streams{topics=\"5+\"}"));
            assertEquals(3.0, m1.delta(first(), "sse_streams_opened_total"));
          });
          for (int i = 1; i <= 3; i++) {
            origin.publish("a", "e" + i);
          }
          return Future.all(streams.stream().map(s -> s.awaitType("message", 3)).toList());
        })
        .compose(x -> scrape(client, gw.get().port()))
        .compose(m2 -> {
          Metrics m1 = scrapes.get(1);
          ctx.verify(() -> {
            assertEquals(3.0, m2.delta(m1, "sse_events_received_total"), "probes are not events");
            assertEquals(9.0, m2.delta(m1, "sse_events_written_total"), "3 events x 3 streams");
            assertTrue(m2.delta(m1, "sse_events_written_bytes_total") >= 9 * "data: e1\n\n".length(), m2.series().toString());
            assertEquals(3.0, m2.delta(m1, "sse_publish_to_write_latency_seconds_count"), "one sample per event");
            assertEquals(3.0, m2.delta(m1, "sse_publish_to_write_latency_seconds_bucket{le=\"10.0\"}"),
                "every sample in the histogram's buckets");
          });
          vertx.eventBus().publish(BusAddresses.EVENTS, "not an event");
          MultiMap resume = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER,
              streams.get(0).lastId());
          MultiMap unknown = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, "ghost:5");
          return Future.all(
              Http.get(client, gw.get().port(), "/events"),
              Http.get(client, gw.get().port(), "/events?topic=.probe"),
              SseTestClient.open(client, gw.get().port(), "/events?topic=a", resume)
                  .compose(s -> s.awaitType(WireNames.HELLO, 1).compose(f -> s.close())),
              SseTestClient.open(client, gw.get().port(), "/events?topic=a", unknown)
                  .compose(s -> s.awaitType(WireNames.RESET, 1).compose(f -> s.close())),
              streams.get(0).awaitType(WireNames.HEARTBEAT, 1),
              streams.get(2).close());
        })
        .compose(x -> Await.until(vertx, () -> gw.get().stats().liveStreams(2) == 0
            && gw.get().stats().droppedFor("not_an_event") == 1, 10_000, () -> "stream closed and drop counted"))
        .compose(x -> scrape(client, gw.get().port()))
        .compose(m3 -> {
          Metrics m2 = scrapes.get(2);
          ctx.verify(() -> {
            assertEquals(1.0, m3.delta(m2, "sse_requests_rejected_total{reason=\"missing_topic\"}"));
            assertEquals(1.0, m3.delta(m2, "sse_requests_rejected_total{reason=\"invalid_topic\"}"));
            assertEquals(2.0, m3.delta(m2, "sse_replays_total"), "two streams opened with Last-Event-ID");
            assertEquals(1.0, m3.delta(m2, "sse_resets_total"), "one of them from an unknown origin");
            assertEquals(1.0, m3.delta(m2, "sse_events_dropped_total{reason=\"not_an_event\"}"));
            assertTrue(m3.delta(first(), "sse_heartbeats_sent_total") >= 1, m3.series().toString());
            assertEquals(0.0, m3.get("sse_open_streams{topics=\"5+\"}"), "closed stream is gone");
            assertEquals(1.0, m3.get("sse_heartbeat_interval_seconds"));
            assertTrue(m3.get("sse_event_loop_delay_seconds_count") > 0, m3.series().toString());
            assertEquals(1.0, m3.get("sse_health_ready"));
            assertEquals(1.0, m3.get("sse_health_live"));
          });
          // an idle node has nothing queued for its loops: polled, since the node's own health probe (every 200 ms
          // here) is queued for the lane's loop for a moment, and a scrape served on that loop can count it
          return Http.poll(vertx, client, gw.get().port(), "/metrics",
              a -> a.status() == 200
                  && Double.valueOf(0.0).equals(Metrics.parse(a.body()).series().get("sse_lane_backlog")), 10_000);
        })
        .compose(idle -> {
          LiveSettings live = gw.get().settings();
          live.apply(vertx, SettingsValidator.apply(live.current(), new JsonObject().put("heartbeat_ms", 2500)));
          return scrape(client, gw.get().port());
        })
        .onComplete(ctx.succeeding(m4 -> ctx.verify(() -> {
          assertEquals(2.5, m4.get("sse_heartbeat_interval_seconds"), "the gauge follows hot reloads");
          ctx.completeNow();
        })));
  }
}
