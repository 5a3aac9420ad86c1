package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import dev.ssegateway.testsupport.DirectMemory;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood to 1000 clients that never read cannot grow the gateway's memory: each stream may owe at most
 * {@code limits.write_queue_bytes} before it is cut, and a client that does read keeps its latency.
 * Raw sockets with a 2 KiB receive buffer send the GET and never read; a publisher sends 1 KiB events as
 * fast as the normal client takes them (at most 16 in flight). Prints the figures.
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {

  private static final int SLOW_CLIENTS = 1000;
  private static final int QUEUE_BYTES = 32 * 1024;
  private static final int EVENTS = 20_000;
  private static final int IN_FLIGHT = 16;

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }


  private static long percentile(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** Publishes {@code n} events of ~1 KiB, keeping at most {@link #IN_FLIGHT} ahead of {@code received}. */
  private static void publish(TestOrigin origin, int n, AtomicLong received, long deadlineMs) {
    String pad = "x".repeat(1000);
    long base = origin.lastSeq() - received.get();
    for (int i = 0; i < n && System.currentTimeMillis() < deadlineMs; i++) {
      while (origin.lastSeq() - base - received.get() >= IN_FLIGHT
          && System.currentTimeMillis() < deadlineMs) {
        LockSupport.parkNanos(20_000);
      }
      origin.publish("flood", "tick", "{\"t\":" + System.nanoTime() + ",\"pad\":\"" + pad + "\"}");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void thousandNonReadingClientsAreCutMemoryStaysBoundedAndAReaderKeepsItsLatency(Vertx vertx) throws Exception {
    Gateway gateway = Gateway.deploy(vertx, TestSettings.of(new JsonObject()
        .put("limits.write_queue_bytes", QUEUE_BYTES)
        .put("limits.max_connections_per_address", 10_000)
        .put("heartbeat_ms", 60_000)
        .put("history.max_events", 100)), "slow").await(20, TimeUnit.SECONDS);
    int port = gateway.port();
    GatewayStats stats = gateway.stats();

    // the normal client: measures publish -> receive for every event
    List<Long> latenciesUs = Collections.synchronizedList(new ArrayList<>());
    AtomicLong received = new AtomicLong();
    HttpClient http = vertx.createHttpClient();
    SseParser parser = new SseParser((SseFrame f) -> {
      if (f.type().equals("tick")) {
        long t = new JsonObject(f.data()).getLong("t");
        latenciesUs.add((System.nanoTime() - t) / 1000);
        received.incrementAndGet();
      }
    });
    http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/events?topic=flood"))
        .compose(r -> r.send()
            .onSuccess(resp -> resp.handler(parser::feed)))
        .await(10, TimeUnit.SECONDS);

    TestOrigin origin = new TestOrigin(vertx, "flood");
    long deadline = System.currentTimeMillis() + 40_000;
    // warm-up (JIT), then the baseline: the reader alone
    publish(origin, 2000, received, deadline);
    while (received.get() < 2000 && System.currentTimeMillis() < deadline) {
      LockSupport.parkNanos(1_000_000);
    }
    latenciesUs.clear();
    received.set(0);
    publish(origin, 2000, received, deadline);
    while (received.get() < 2000 && System.currentTimeMillis() < deadline) {
      LockSupport.parkNanos(1_000_000);
    }
    List<Long> baseline = new ArrayList<>(latenciesUs);
    Collections.sort(baseline);
    latenciesUs.clear();
    received.set(0);

    // 1000 clients that send the request and never read
    List<Socket> slow = new ArrayList<>();
    byte[] get = ("GET /events?topic=flood HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    try {
      for (int i = 0; i < SLOW_CLIENTS; i++) {
        Socket s = new Socket();
        s.setReceiveBufferSize(2048);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        OutputStream out = s.getOutputStream();
        out.write(get);
        out.flush();
        slow.add(s);
      }
      while (stats.openStreams() < SLOW_CLIENTS + 1 && System.currentTimeMillis() < deadline) {
        LockSupport.parkNanos(5_000_000);
      }
      assertEquals(SLOW_CLIENTS + 1, stats.openStreams(), "all slow streams open: " + stats.toJson());
      long heapBefore = heapAfterGc();
      long directBefore = DirectMemory.used();

      // sample memory (no GC) while flooding
      long[] peak = {0, 0};
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          peak[0] = Math.max(peak[0], ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
          peak[1] = Math.max(peak[1], DirectMemory.used());
          LockSupport.parkNanos(20_000_000);
        }
      }, "memory-sampler");
      sampler.setDaemon(true);
      sampler.start();
      long floodStart = System.currentTimeMillis();
      publish(origin, EVENTS, received, deadline);
      while (received.get() < EVENTS && System.currentTimeMillis() < deadline) {
        LockSupport.parkNanos(1_000_000);
      }
      long floodMs = System.currentTimeMillis() - floodStart;
      sampler.interrupt();
      sampler.join(5000);
      long heapAfter = heapAfterGc();
      long directAfter = DirectMemory.used();

      List<Long> flood = new ArrayList<>(latenciesUs);
      Collections.sort(flood);
      long bound = (long) SLOW_CLIENTS * (QUEUE_BYTES + 2048);
      System.out.printf("slow consumers: %d clients, write_queue_bytes=%d, %d events of ~1 KiB in %d ms (%d MiB "
              + "offered per slow client); cut=%d open_after=%d%n", SLOW_CLIENTS, QUEUE_BYTES, EVENTS, floodMs,
          EVENTS / 1024, stats.slowConsumersCut.sum(), stats.openStreams());
      System.out.printf("memory: heap after GC before=%d MiB after=%d MiB; peak heap used (with garbage)=%d MiB; "
              + "direct before=%d KiB peak=%d KiB after=%d KiB; stated bound for pending writes=%d MiB%n",
          heapBefore >> 20, heapAfter >> 20, peak[0] >> 20, directBefore >> 10, peak[1] >> 10, directAfter >> 10,
          bound >> 20);
      System.out.printf("reader latency publish->receive: alone p50=%d us p99=%d us max=%d us (n=%d); during flood "
              + "p50=%d us p99=%d us max=%d us (n=%d)%n", percentile(baseline, 0.5), percentile(baseline, 0.99),
          baseline.get(baseline.size() - 1), baseline.size(), percentile(flood, 0.5), percentile(flood, 0.99),
          flood.get(flood.size() - 1), flood.size());

      assertEquals(EVENTS, received.get(), "the reader got every event");
      assertEquals(SLOW_CLIENTS, stats.slowConsumersCut.sum(), "every non-reading client was cut");
      assertEquals(1, stats.openStreams(), "only the reader is left");
      assertEquals(0, stats.perAddress.of("127.0.0.1") - 1, "address slots given back");
      assertTrue(heapAfter - heapBefore < 32L << 20, "heap grew by " + ((heapAfter - heapBefore) >> 20) + " MiB");
      assertTrue(peak[1] - directBefore < bound, "direct memory peak grew by " + ((peak[1] - directBefore) >> 10)
          + " KiB, bound " + (bound >> 10) + " KiB");
      assertTrue(percentile(flood, 0.5) < 50_000, "p50 during flood " + percentile(flood, 0.5) + " us");
      assertTrue(percentile(flood, 0.99) < 1_000_000, "p99 during flood " + percentile(flood, 0.99) + " us");
    } finally {
      for (Socket s : slow) {
        s.close();
      }
      http.close();
    }
  }
}
