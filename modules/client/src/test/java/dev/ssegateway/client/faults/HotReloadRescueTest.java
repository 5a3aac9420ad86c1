package dev.ssegateway.client.faults;

import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.faults.FaultRig.CounterPublisher;
import dev.ssegateway.client.faults.FaultRig.TracedClient;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static dev.ssegateway.client.faults.FaultRig.ms;
import static dev.ssegateway.client.faults.FaultRig.observe;
import static dev.ssegateway.client.faults.FaultRig.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, scenario 2: behind an idle-killing box with T = 1.5 s, a 2 s heartbeat lets every stream
 * die and reconnect over and over. Lowering {@code heartbeat_ms} to 1000 on the running gateway (the
 * same validation and live application path as {@code PUT /admin/config}) rescues it: from then on no
 * connection is black-holed and the reconnect count stops growing, with no event lost on the way.
 */
class HotReloadRescueTest {

  private static final long IDLE_MS = 1500;

  private Vertx vertx;
  private BlackHoleProxy proxy;
  private TracedClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (client != null) {
        client.close();
      }
      if (proxy != null) {
        proxy.close().await(10, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void loweringTheHeartbeatBelowTheIdleKillerStopsTheReconnects() throws Exception {
    Gateway gateway = FaultRig.gateway(vertx, new JsonObject().put("heartbeat_ms", 2000));
    proxy = BlackHoleProxy.start(vertx, gateway.port(), IDLE_MS).await(10, TimeUnit.SECONDS);
    CounterPublisher publisher = new CounterPublisher(vertx);
    client = new TracedClient(vertx, new SseClientOptions().addUrl(proxy.url()).addTopic(FaultRig.TOPIC)).start();
    until(vertx, client::connected, 10_000, () -> "client connected through the proxy");
    long started = System.nanoTime();
    // Bursts of 2 events every 3 s, before and after the change: pauses longer than T.
    long timer = vertx.setPeriodic(3000, id -> {
      publisher.publish();
      publisher.publish();
    });
    try {
      until(vertx, () -> client.reconnects().size() >= 2, 25_000,
          () -> "two reconnects caused by the box (so far " + client.reconnects().size() + ")");
      int before = client.reconnects().size();
      long changedAt = System.nanoTime();
      LiveSettings live = gateway.settings();
      live.apply(vertx, SettingsValidator.apply(live.current(), new JsonObject().put("heartbeat_ms", 1000)));

      // The stream in place may already be in the hole: it may die once more. The first stream that hears
      // the new interval is the one that must stay.
      until(vertx, () -> client.connected() && client.client.heartbeatMs() == 1000, 15_000,
          () -> "a live stream announcing heartbeat_ms=1000 (state " + client.client.state() + ")");
      long rescuedMs = ms(changedAt, System.nanoTime());
      int reconnectsAtRescue = client.reconnects().size();
      int holesAtRescue = proxy.holes().size();
      long window = 6 * IDLE_MS;
      observe(vertx, window);
      int reconnectsAfter = client.reconnects().size();
      int holesAfter = proxy.holes().size();

      vertx.cancelTimer(timer);
      timer = -1;
      long total = publisher.published();
      until(vertx, () -> client.ledger.complete(total), 10_000, () -> "every event: " + client.ledger.verdict(total));

      System.out.printf("hot-reload rescue T=%d ms: heartbeat 2000 ms -> %d reconnects in %d ms; heartbeat_ms=1000"
              + " applied; stream stable %d ms later after %d more reconnect(s); then %d ms observed with %d new"
              + " reconnects and %d new black holes; events %d/%d exactly once (duplicates=%d, loss notices=%d)%n",
          IDLE_MS, before, ms(started, changedAt), rescuedMs, reconnectsAtRescue - before, window,
          reconnectsAfter - reconnectsAtRescue, holesAfter - holesAtRescue, client.ledger.received(), total,
          client.ledger.duplicates(), client.ledger.losses());
      assertEquals(reconnectsAtRescue, reconnectsAfter, "reconnects after the rescue");
      assertEquals(holesAtRescue, holesAfter, "connections black-holed after the rescue");
      assertTrue(reconnectsAtRescue - before <= 1, "more than the one doomed stream died after the change");
      assertEquals("", client.ledger.verdict(total));
    } finally {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }
  }
}
