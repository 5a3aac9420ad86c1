package dev.ssegateway.client.faults;

import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.faults.FaultRig.CounterPublisher;
import dev.ssegateway.client.faults.FaultRig.TracedClient;
import dev.ssegateway.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.ssegateway.client.faults.FaultRig.ms;
import static dev.ssegateway.client.faults.FaultRig.observe;
import static dev.ssegateway.client.faults.FaultRig.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, scenario 5 (opt-in: {@code mvn -B verify -Psoak}; duration {@code -Dsoak.seconds=600}, the
 * default): 2,000 Java-client streams with {@code heartbeat_ms=1000} and steady publishing for the whole
 * duration. Every client gets every event exactly once, and after the clients leave the gateway's
 * open file descriptors, heartbeat timers, open streams and heap are back at their baseline.
 * Reconnects are reported, not failed: on a starved machine (gateway and 2,000 clients share this JVM)
 * a 2.5 s stall timeout does fire, and the streams must then resume without loss and without leaking.
 */
@Tag("soak")
class SoakTest {

  private static final int STREAMS = Integer.getInteger("soak.streams", 2000);
  private static final long SECONDS = Long.getLong("soak.seconds", 600);
  private static final int EVENTS_PER_S = 10;
  /** Sockets, pipes and jars that may come and go around the baseline (e.g. a GC log, a class loaded). */
  private static final int FD_SLACK = 25;
  private static final long HEAP_SLACK_BYTES = 64L * 1024 * 1024;

  private Vertx vertx;
  private Vertx clientsVertx;
  private final List<TracedClient> clients = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clientsVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      for (TracedClient c : clients) {
        c.client.close();
      }
    } finally {
      try {
        clientsVertx.close().await(30, TimeUnit.SECONDS);
      } finally {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private static long openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  private static long heapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 3, unit = java.util.concurrent.TimeUnit.HOURS) // beyond the 5-minute default
  void twoThousandStreamsForTenMinutesLeaveNoFdTimerConnectionOrHeapBehind() throws Exception {
    Gateway gateway = FaultRig.gateway(vertx, new JsonObject().put("heartbeat_ms", 1000));
    // warm up the code paths once (classes, pools, buffers) so the baseline is the steady state
    TracedClient warm = new TracedClient(clientsVertx, new SseClientOptions()
        .addUrl("http://127.0.0.1:" + gateway.port()).addTopic("warmup")).start();
    until(vertx, warm::connected, 10_000, () -> "warm-up client");
    warm.close();
    until(vertx, () -> gateway.stats().openStreams() == 0, 10_000, () -> "warm-up stream gone");

    long fd0 = openFds();
    long heap0 = heapAfterGc();
    long timers0 = gateway.stats().heartbeatTimers();
    long streams0 = gateway.stats().openStreams();

    long t0 = System.nanoTime();
    for (int i = 0; i < STREAMS; i++) {
      clients.add(new TracedClient(clientsVertx, new SseClientOptions()
          .addUrl("http://127.0.0.1:" + gateway.port()).addTopic(FaultRig.TOPIC)).start());
    }
    until(vertx, () -> clients.stream().allMatch(TracedClient::connected), 60_000,
        () -> "all clients connected: " + clients.stream().filter(TracedClient::connected).count());
    System.out.printf("soak: %d streams open in %d ms; baseline fds=%d heap=%d MB timers=%d streams=%d; running %d s%n",
        STREAMS, ms(t0, System.nanoTime()), fd0, heap0 >> 20, timers0, streams0, SECONDS);

    CounterPublisher publisher = new CounterPublisher(vertx);
    long pubTimer = vertx.setPeriodic(1000 / EVENTS_PER_S, id -> publisher.publish());
    long peakFds = 0;
    long peakHeap = 0;
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
      while (System.nanoTime() < end) {
        observe(vertx, Math.min(30_000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        long fds = openFds();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        peakFds = Math.max(peakFds, fds);
        peakHeap = Math.max(peakHeap, heap);
        long reconnects = clients.stream().mapToLong(c -> c.reconnects().size()).sum();
        String reason = clients.stream().flatMap(c -> c.reconnects().stream()).findFirst()
            .map(r -> r.state().toString()).orElse("-");
        System.out.printf("soak: t=%ds fds=%d heap=%d MB streams=%d timers=%d events=%d reconnects=%d (first: %s)%n",
            ms(t0, System.nanoTime()) / 1000, fds, heap >> 20, gateway.stats().openStreams(),
            gateway.stats().heartbeatTimers(), publisher.published(), reconnects, reason);
      }
    } finally {
      vertx.cancelTimer(pubTimer);
    }
    long total = publisher.published();
    until(vertx, () -> clients.stream().allMatch(c -> c.ledger.complete(total)), 30_000,
        () -> "every client has all " + total + " events: complete "
            + clients.stream().filter(c -> c.ledger.complete(total)).count() + "/" + STREAMS + ", connected "
            + clients.stream().filter(TracedClient::connected).count() + ", with loss notices "
            + clients.stream().filter(c -> c.ledger.losses() > 0).count() + ", first problem "
            + clients.stream().map(c -> c.ledger.verdict(total)).filter(v -> !v.isEmpty()).findFirst().orElse("-"));
    int bad = 0;
    String example = "";
    long reconnects = 0;
    for (TracedClient c : clients) {
      reconnects += c.reconnects().size();
      String v = c.ledger.verdict(total);
      if (!v.isEmpty()) {
        bad++;
        example = example.isEmpty() ? v : example;
      }
    }

    // the clients leave
    long leaveAt = System.nanoTime();
    for (TracedClient c : clients) {
      c.close();
    }
    clients.clear();
    until(vertx, () -> gateway.stats().openStreams() == streams0 && gateway.stats().heartbeatTimers() == timers0,
        30_000, () -> "streams and timers back to baseline: " + gateway.stats().toJson());
    until(vertx, () -> openFds() <= fd0 + FD_SLACK, 30_000, () -> "fds back to baseline " + fd0 + ": " + openFds());
    long fd1 = openFds();
    long heap1 = heapAfterGc();
    System.out.printf("soak: %d streams x %d s, %d events each (%d deliveries), reconnects=%d, clients with a"
            + " loss/duplicate=%d; peak fds=%d heap=%d MB; %d ms after the clients left: fds %d -> %d, heap %d -> %d MB,"
            + " heartbeat timers %d, open streams %d%n",
        STREAMS, SECONDS, total, gateway.stats().deliveries.sum(), reconnects, bad, peakFds, peakHeap >> 20,
        ms(leaveAt, System.nanoTime()), fd0, fd1, heap0 >> 20, heap1 >> 20, gateway.stats().heartbeatTimers(),
        gateway.stats().openStreams());
    assertEquals(0, bad, "clients that lost or repeated an event, e.g. " + example);
    assertEquals(timers0, gateway.stats().heartbeatTimers(), "heartbeat timers");
    assertEquals(streams0, gateway.stats().openStreams(), "open streams");
    assertTrue(fd1 <= fd0 + FD_SLACK, "fds " + fd0 + " -> " + fd1);
    assertTrue(heap1 <= heap0 + HEAP_SLACK_BYTES, "heap " + (heap0 >> 20) + " -> " + (heap1 >> 20) + " MB");
  }
}
