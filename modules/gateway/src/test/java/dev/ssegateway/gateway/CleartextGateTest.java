package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the default configuration, which serves cleartext HTTP/2 (h2c) beside HTTP/1.1 on one port, the connection
 * gate's guarantees hold from accept for a connection that sends nothing and for one that sends the HTTP/2 preface
 * (and its SETTINGS) and then nothing: it is closed after {@code limits.request_timeout_ms}, a flood of them from one
 * address is bounded by {@code limits.max_connections_per_address}, and {@code limits.fd_reserve} refuses one at
 * accept. A client nobody here wrote (curl {@code --http2-prior-knowledge}) streams over h2c.
 */
@ExtendWith(VertxExtension.class)
@org.junit.jupiter.api.Timeout(120)
class CleartextGateTest {

  /** Held for the whole test: Vert.x 5 closes a client's connections once the client is garbage collected. */
  private final List<NetClient> clients = new ArrayList<>();

  /** What a prior-knowledge HTTP/2 client sends first. */
  private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  /** An empty SETTINGS frame: length 0, type 4, flags 0, stream 0. */
  private static final Buffer EMPTY_SETTINGS = Buffer.buffer(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

  private static Gateway deploy(Vertx vertx, JsonObject settings) {
    return Gateway.deploy(vertx, TestSettings.of(settings), "n").await();
  }

  /** Opens {@code n} connections, each sending {@code first}; counts those the server closes. */
  private List<NetSocket> connect(Vertx vertx, int port, int n, Buffer first, AtomicInteger closed) {
    NetClient net = vertx.createNetClient();
    clients.add(net);
    List<NetSocket> sockets = new ArrayList<>();
    for (int i = 0; i < n; i++) { // one after the other: "oldest" is well defined
      NetSocket s = net.connect(port, "127.0.0.1").await();
      s.closeHandler(v -> closed.incrementAndGet());
      if (first.length() > 0) {
        s.write(first).otherwiseEmpty().await(); // a connection refused at accept may be closed already
      }
      sockets.add(s);
    }
    return sockets;
  }

  private static Buffer preface(boolean settings) {
    Buffer b = Buffer.buffer(PREFACE, "ISO-8859-1");
    return settings ? b.appendBuffer(EMPTY_SETTINGS) : b;
  }

  @Test
  void silentAndPrefaceOnlyConnectionsAreClosedAfterTheRequestTimeout(Vertx vertx) {
    Gateway g = deploy(vertx, new JsonObject().put("limits.request_timeout_ms", 1500));
    AtomicInteger closed = new AtomicInteger();
    long start = System.currentTimeMillis();
    connect(vertx, g.port(), 20, Buffer.buffer(), closed);
    connect(vertx, g.port(), 20, preface(false), closed);
    connect(vertx, g.port(), 20, preface(true), closed);
    Await.until(vertx, () -> closed.get() == 60, 30_000, () -> closed.get() + " of 60 closed").await();
    long tookMs = System.currentTimeMillis() - start;
    assertTrue(tookMs >= 1400, "closed after the timeout, not before: " + tookMs + " ms");
    assertEquals(60, g.stats().rejectedByReason.count("request_timeout"));
    Await.until(vertx, () -> g.stats().openConnections.get() == 0, 10_000,
        () -> "open connections " + g.stats().openConnections.get()).await();
  }

  @Test
  void silentAndPrefaceOnlyConnectionsAreBoundedPerAddressFromAccept(Vertx vertx) {
    Gateway g = deploy(vertx, new JsonObject().put("limits.max_connections_per_address", 5)
        .put("limits.request_timeout_ms", 60_000).put("http.instances", 1));
    AtomicInteger closedSilent = new AtomicInteger();
    AtomicInteger closedH2 = new AtomicInteger();
    connect(vertx, g.port(), 4, Buffer.buffer(), closedSilent);
    connect(vertx, g.port(), 4, preface(true), closedH2);
    // 8 connections, 5 slots: the 3 oldest (silent ones) make room
    Await.until(vertx, () -> closedSilent.get() + closedH2.get() == 3, 10_000,
        () -> (closedSilent.get() + closedH2.get()) + " of 3 evicted").await();
    assertEquals(3, closedSilent.get(), "the oldest went first");
    // the node counts on its own loop: a close seen by the client can come before the count of the newcomer
    Await.until(vertx, () -> g.stats().notStreamsPerAddress.of("127.0.0.1") == 5, 10_000,
        () -> "waiting connections counted: " + g.stats().notStreamsPerAddress.of("127.0.0.1")).await();
    assertEquals(3, g.stats().rejectedByReason.count("connection_evicted"));
    // an h2c client that sends a request still gets in: the oldest waiting connection makes room
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    assertEquals(200, Http.get(h2, g.port(), "/health/live").await().status());
    assertEquals(4, g.stats().rejectedByReason.count("connection_evicted"));
    // the client may read the answer on one loop before it sees the evicted connection close on another
    Await.until(vertx, () -> closedSilent.get() == 4, 10_000,
        () -> "the last silent one made room: " + closedSilent.get() + " of 4 silent ones closed").await();
    assertTrue(g.stats().notStreamsPerAddress.of("127.0.0.1") <= 5);
  }

  @Test
  void theFdReserveRefusesASilentConnectionAtAccept(Vertx vertx) {
    // loopback clients may use half the reserve: with this reserve the node admits 3 loopback connections
    long reserve = 2 * (ConnectionGate.MAX_FILE_DESCRIPTORS - 3);
    Assumptions.assumeTrue(reserve >= 64 && reserve <= 1_000_000, "open-file limit " + ConnectionGate.MAX_FILE_DESCRIPTORS);
    Gateway g = deploy(vertx, new JsonObject().put("limits.fd_reserve", (int) reserve)
        .put("limits.request_timeout_ms", 60_000).put("http.instances", 1));
    // 3 HTTP/1.1 streams hold the 3 connections: none of them is waiting, so none makes room
    HttpClient client = FanOutTest.client(vertx, 3);
    for (int i = 0; i < 3; i++) {
      SseTestClient.open(client, g.port(), "/events?topic=a" + i).await();
    }
    AtomicInteger closed = new AtomicInteger();
    connect(vertx, g.port(), 1, Buffer.buffer(), closed);
    connect(vertx, g.port(), 1, preface(true), closed);
    // counted by the node: a connection refused at accept can close before the test's close handler is set
    Await.until(vertx, () -> g.stats().rejectedByReason.count("fd_reserve") == 2, 10_000,
        () -> g.stats().rejectedByReason.count("fd_reserve") + " of 2 refused").await();
    assertEquals(2, g.stats().rejectedByReason.count("fd_reserve"));
    assertEquals(0, g.stats().rejectedByReason.count("request_timeout"), "refused at accept, not timed out");
  }

  @Test
  void curlWithHttp2PriorKnowledgeStreamsOnTheDefaultConfiguration(Vertx vertx) throws Exception {
    Assumptions.assumeTrue(new java.io.File("/usr/bin/curl").canExecute(), "curl is installed");
    TestOrigin origin = new TestOrigin(vertx, "curl");
    Gateway g = deploy(vertx, new JsonObject());
    Process curl = new ProcessBuilder("/usr/bin/curl", "-sS", "-N", "--http2-prior-knowledge", "--max-time", "60",
        "-D", "-", "http://127.0.0.1:" + g.port() + "/events?topic=c").redirectErrorStream(true).start();
    try {
      List<String> expected = List.of("one", "two", "three");
      // the blocking read runs on a worker, bounded by the await and curl's --max-time
      List<String> lines = vertx.executeBlocking(() -> {
        List<String> got = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(curl.getInputStream(),
            StandardCharsets.UTF_8))) {
          boolean published = false;
          int data = 0;
          for (String line = in.readLine(); line != null && data < expected.size() && got.size() < 10_000;
               line = in.readLine()) {
            got.add(line);
            if (line.startsWith("event: hello") && !published) {
              published = true;
              expected.forEach(d -> origin.publish("c", "m", d));
            } else if (published && line.startsWith("data: ") && !line.startsWith("data: {")) {
              data++;
            }
          }
        }
        return got;
      }).await(60, TimeUnit.SECONDS);
      assertTrue(lines.get(0).startsWith("HTTP/2 200"), "curl spoke HTTP/2: " + lines.get(0));
      List<String> data = lines.stream().filter(l -> l.startsWith("data: ") && !l.startsWith("data: {"))
          .map(l -> l.substring(6)).toList();
      assertEquals(expected, data, String.join("\n", lines));
    } finally {
      curl.destroy();
      curl.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
