package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Labels fed by clients stay in a bounded set: tens of thousands of requests with random methods and paths add no
 * series to {@code /metrics} once the {@code OTHER} series exist. Vert.x runs with Micrometer metrics in a
 * {@link MetricLabels} registry, as the app does.
 */
class MetricLabelsTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))))
        .withMetrics(MetricLabels.metricsFactory())
        .build();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** Sends {@code n} pipelined requests with random method names and paths on one connection; reads every answer. */
  private static void randomRequests(int port, int n, long seed) throws Exception {
    Random random = new Random(seed);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
      CompletableFuture<Integer> answers = CompletableFuture.supplyAsync(() -> {
        int read = 0;
        try {
          for (; read < n; read++) {
            RawHttp.read(in, false);
          }
        } catch (Exception e) {
          throw new IllegalStateException("after " + read + " answers", e);
        }
        return read;
      });
      StringBuilder batch = new StringBuilder();
      for (int i = 0; i < n; i++) {
        StringBuilder method = new StringBuilder();
        for (int c = 0; c < 8; c++) {
          method.append((char) ('A' + random.nextInt(26)));
        }
        batch.append(method).append(" /r/").append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36))
            .append(" HTTP/1.1\r\nHost: a\r\n\r\n");
        if (batch.length() > 32_000 || i == n - 1) {
          out.write(batch.toString().getBytes(StandardCharsets.ISO_8859_1));
          batch.setLength(0);
        }
      }
      out.flush();
      assertEquals(n, answers.get(60, TimeUnit.SECONDS));
    }
  }

  private static long seriesCount(String scrape) {
    return scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
  }

  @Test
  void thirtyThousandRandomMethodsAndPathsAddNoSeries() throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(), "n").await();
    randomRequests(g.port(), 200, 1); // the OTHER series exist from here on
    String before = g.metrics().scrape();
    long started = System.nanoTime();
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      int seed = 100 + c;
      clients.add(CompletableFuture.runAsync(() -> {
        try {
          randomRequests(g.port(), 10_000, seed);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    String after = g.metrics().scrape();
    System.out.printf("cardinality: 30000 requests in %d ms; series %d -> %d; scrape %d -> %d bytes%n", tookMs,
        seriesCount(before), seriesCount(after), before.length(), after.length());
    assertEquals(seriesCount(before), seriesCount(after), "series before and after 30,000 requests ("
        + tookMs + " ms)");
    assertTrue(after.length() < before.length() + 2048, "scrape grew from " + before.length() + " to "
        + after.length() + " bytes");
    assertTrue(after.length() < 256 * 1024, "scrape is " + after.length() + " bytes");
    assertTrue(before.contains("method=\"OTHER\""), "unknown methods are labelled OTHER");
  }

  @Test
  void activeRequestsReturnToZeroAfterClientsResetTheirStreams() throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(), "n").await();
    List<Socket> streams = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Socket s = new Socket("127.0.0.1", g.port());
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /events?topic=a HTTP/1.1\r\nHost: a\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      RawHttp.Reply head = RawHttp.readHead(s.getInputStream());
      assertEquals(200, head.status(), head.head());
      streams.add(s);
    }
    assertEquals(20, activeRequests(g), g.metrics().scrape());
    for (int i = 0; i < streams.size(); i++) {
      Socket s = streams.get(i);
      if (i % 2 == 0) {
        s.setSoLinger(true, 0); // a reset
      }
      s.close();
    }
    dev.ssegateway.testsupport.Await.until(vertx, () -> g.stats().openStreams() == 0, 10_000,
        () -> "open streams " + g.stats().openStreams()).await();
    // a health request after the resets: its own begin and end must leave the gauge at 0
    Http.get(vertx.createHttpClient(), g.port(), "/health/live").await();
    dev.ssegateway.testsupport.Await.until(vertx, () -> activeRequests(g) == 0, 10_000,
        () -> "active requests " + activeRequests(g)).await();
  }

  private static double activeRequests(Gateway g) {
    return g.metrics().scrape().lines().filter(l -> l.startsWith("vertx_http_server_active_requests"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void statusCodesOutsideTheHttpRangeAreOther() {
    assertEquals("404", MetricLabels.statusCode("404"));
    assertEquals(MetricLabels.OTHER, MetricLabels.statusCode("999"));
    assertEquals(MetricLabels.OTHER, MetricLabels.statusCode("4044"));
  }
}
