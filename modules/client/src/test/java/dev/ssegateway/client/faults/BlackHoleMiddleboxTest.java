package dev.ssegateway.client.faults;

import dev.ssegateway.client.ConnectionState;
import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.faults.FaultRig.CounterPublisher;
import dev.ssegateway.client.faults.FaultRig.StateAt;
import dev.ssegateway.client.faults.FaultRig.TracedClient;
import dev.ssegateway.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.ssegateway.client.faults.FaultRig.ms;
import static dev.ssegateway.client.faults.FaultRig.observe;
import static dev.ssegateway.client.faults.FaultRig.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, scenario 1: a middlebox between the Java client and the gateway black-holes any connection
 * idle for T (no FIN, no RST: bytes simply stop). A heartbeat denser than T keeps the stream alive with
 * no reconnect at all; a heartbeat sparser than T lets the box kill it, and the client then notices the
 * stall within {@code 2.5 x heartbeat_ms}, reconnects and resumes without losing or repeating an event.
 */
class BlackHoleMiddleboxTest {

  /** Extra time a loaded 2-core machine may need on top of what the policy allows. */
  private static final long MARGIN_MS = 2000;

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

  private TracedClient client(String url) {
    return new TracedClient(vertx, new SseClientOptions().addUrl(url).addTopic(FaultRig.TOPIC)).start();
  }

  @Test
  void heartbeatDenserThanTheIdleKillerKeepsTheStreamUpWithNoReconnect() throws Exception {
    long idleMs = 2500;
    long observeMs = 5 * idleMs;
    Gateway gateway = FaultRig.gateway(vertx, new JsonObject().put("heartbeat_ms", 1000));
    proxy = BlackHoleProxy.start(vertx, gateway.port(), idleMs).await(10, TimeUnit.SECONDS);
    CounterPublisher publisher = new CounterPublisher(vertx);
    client = client(proxy.url());
    until(vertx, client::connected, 10_000, () -> "client connected through the proxy");

    // A few events spread over the window, each separated by more than T: only heartbeats fill the gaps.
    long timer = vertx.setPeriodic(4000, id -> publisher.publish());
    try {
      observe(vertx, observeMs);
    } finally {
      vertx.cancelTimer(timer);
    }
    long total = publisher.published();
    until(vertx, () -> client.ledger.complete(total), 5000, () -> "the last event: " + client.ledger.verdict(total));

    System.out.printf("black-hole T=%d ms, heartbeat 1000 ms, observed %d ms: reconnects=%d, proxy connections=%d,"
            + " black-holed=%d, heartbeats received=%d, longest silence seen by the app=%d ms, events %d/%d%n",
        idleMs, observeMs, client.reconnects().size(), proxy.accepted(), proxy.holes().size(), client.heartbeats,
        client.maxFrameGapMs(), client.ledger.received(), total);
    assertEquals(List.of(), client.reconnects(), "reconnects");
    assertEquals(1, proxy.accepted(), "connections through the proxy");
    assertEquals(0, proxy.holes().size(), "connections black-holed");
    assertTrue(client.heartbeats >= observeMs / 1000 - 2, "heartbeats received: " + client.heartbeats);
    assertTrue(client.maxFrameGapMs() < idleMs, "longest silence " + client.maxFrameGapMs());
    assertEquals("", client.ledger.verdict(total));
  }

  @Test
  void heartbeatSparserThanTheIdleKillerIsDetectedWithinTheStallBoundAndResumedWithoutLoss() throws Exception {
    long idleMs = 1500;
    long heartbeatMs = 2000;
    long stallMs = Math.round(2.5 * heartbeatMs);
    Gateway gateway = FaultRig.gateway(vertx, new JsonObject().put("heartbeat_ms", heartbeatMs));
    proxy = BlackHoleProxy.start(vertx, gateway.port(), idleMs).await(10, TimeUnit.SECONDS);
    CounterPublisher publisher = new CounterPublisher(vertx);
    client = client(proxy.url());
    until(vertx, client::connected, 10_000, () -> "client connected through the proxy");

    // Bursts of 3 events every 3 s: between bursts at least one 2 s heartbeat gap carries nothing, so the
    // box black-holes the connection; events of the next bursts are published into the hole.
    int bursts = 6;
    long started = System.nanoTime();
    for (int b = 0; b < bursts; b++) {
      for (int i = 0; i < 3; i++) {
        publisher.publish().await(5, TimeUnit.SECONDS);
      }
      observe(vertx, 3000);
    }
    long total = publisher.published();
    until(vertx, () -> client.ledger.complete(total), stallMs + 1000 + MARGIN_MS + 3000,
        () -> "every event after the last stall: " + client.ledger.verdict(total));
    long tookMs = ms(started, System.nanoTime());

    List<BlackHoleProxy.Hole> holes = proxy.holes();
    List<StateAt> reconnects = client.reconnects();
    StringBuilder detections = new StringBuilder();
    long worst = 0;
    for (int i = 0; i < reconnects.size(); i++) {
      StateAt r = reconnects.get(i);
      String reason = ((ConnectionState.Reconnecting) r.state()).reason();
      assertTrue(reason.startsWith("stalled"), "reconnect " + i + " not a stall: " + reason);
      assertTrue(i < holes.size(), "a stall without a black hole: " + reason);
      BlackHoleProxy.Hole hole = holes.get(i);
      long sinceLastByte = ms(hole.lastByteNanos(), r.nanos());
      worst = Math.max(worst, sinceLastByte);
      detections.append(i == 0 ? "" : ", ").append(sinceLastByte);
      assertTrue(r.nanos() > hole.holedNanos(), "stall " + i + " before its black hole");
      assertTrue(sinceLastByte >= stallMs - 100, "stall " + i + " detected early: " + sinceLastByte + " ms");
      assertTrue(sinceLastByte <= stallMs + MARGIN_MS, "stall " + i + " detected late: " + sinceLastByte + " ms");
    }
    System.out.printf("black-hole T=%d ms, heartbeat %d ms (stall bound %d ms): %d connections black-holed,"
            + " %d stalls detected, ms from last byte to detection [%s] (worst %d), proxy connections=%d,"
            + " events %d/%d exactly once (duplicates=%d, out of order=%d, loss notices=%d) in %d ms%n",
        idleMs, heartbeatMs, stallMs, holes.size(), reconnects.size(), detections, worst, proxy.accepted(),
        client.ledger.received(), total, client.ledger.duplicates(), client.ledger.outOfOrder(),
        client.ledger.losses(), tookMs);
    assertTrue(reconnects.size() >= 1, "the box should have killed the stream: " + reconnects.size());
    assertEquals("", client.ledger.verdict(total));
  }
}
