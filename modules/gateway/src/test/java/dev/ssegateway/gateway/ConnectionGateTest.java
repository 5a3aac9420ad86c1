package dev.ssegateway.gateway;

import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that hold a file descriptor without using it are bounded: a deadline for the request head and body
 * ({@code limits.request_timeout_ms}), idle keep-alive connections closed, connections per address counted from
 * accept, and streams never timed.
 */
@ExtendWith(VertxExtension.class)
@org.junit.jupiter.api.Timeout(120) // a lost answer fails the test instead of hanging the suite
class ConnectionGateTest {

  /** Held for the whole test: Vert.x 5 closes a client's connections once the client is garbage collected. */
  private final List<NetClient> clients = new ArrayList<>();

  private static Gateway deploy(Vertx vertx, JsonObject settings) {
    Routes publish = router -> router.post("/publish/:topic")
        .handler(ctx -> ctx.request().body().onSuccess(b -> ctx.response().setStatusCode(202).end()));
    return Gateway.deploy(vertx, TestSettings.of(settings), "n", List.of(publish)).await();
  }

  /** Opens {@code n} connections, each sending {@code first} (maybe nothing); counts those the server closes. */
  private List<NetSocket> connect(Vertx vertx, int port, int n, String first, AtomicInteger closed) {
    NetClient net = vertx.createNetClient();
    clients.add(net);
    List<Future<NetSocket>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(net.connect(port, "127.0.0.1").onSuccess(s -> {
        s.closeHandler(v -> closed.incrementAndGet());
        if (!first.isEmpty()) {
          s.write(first);
        }
      }));
    }
    Future.join(all).await();
    return all.stream().filter(Future::succeeded).map(Future::result).toList();
  }

  @Test
  void slowlorisAndSilentConnectionsAreClosedAfterTheTimeoutWhileHealthAnswers(Vertx vertx) throws Exception {
    Gateway g = deploy(vertx, new JsonObject().put("limits.request_timeout_ms", 3000));
    AtomicInteger closed = new AtomicInteger();
    long start = System.currentTimeMillis();
    List<NetSocket> slowloris = connect(vertx, g.port(), 300, "GET /events?topic=a HT", closed);
    List<NetSocket> silent = connect(vertx, g.port(), 200, "", closed);
    assertEquals(500, slowloris.size() + silent.size(), "all 500 connections were accepted");
    HttpClient client = vertx.createHttpClient();
    long asked = System.nanoTime();
    Http.Answer health = Http.get(client, g.port(), "/health/live").await();
    long healthMs = (System.nanoTime() - asked) / 1_000_000;
    assertTrue(closed.get() < 500, "the silent connections were still open when health answered");
    assertEquals(200, health.status(), health.body());
    assertTrue(healthMs < 2000, "health answered in " + healthMs + " ms with 500 silent connections open");
    Await.until(vertx, () -> closed.get() == 500, 20_000, () -> closed.get() + " of 500 closed").await();
    long tookMs = System.currentTimeMillis() - start;
    assertTrue(tookMs >= 2900, "closed after the timeout, not before: " + tookMs + " ms");
    Await.until(vertx, () -> g.stats().openConnections.get() <= 1, 5_000,
        () -> "open connections " + g.stats().openConnections.get()).await();
    assertEquals(500, g.stats().rejectedByReason.count("request_timeout"));
  }

  @Test
  void anIncompleteBodyGets408AndTheConnectionIsClosed(Vertx vertx) throws Exception {
    Gateway g = deploy(vertx, new JsonObject().put("limits.request_timeout_ms", 500));
    RawHttp.Reply reply = RawHttp.exchange(g.port(),
        "POST /publish/a HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc", true);
    assertEquals(408, reply.status(), reply.head());
    assertEquals("request_timeout", reply.json().getString("error"), reply.body());
    assertTrue(reply.closed(), "connection closed after the 408");
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterItsAnswer(Vertx vertx) throws Exception {
    Gateway g = deploy(vertx, new JsonObject().put("limits.request_timeout_ms", 300));
    try (Socket socket = new Socket("127.0.0.1", g.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long start = System.currentTimeMillis();
      for (int i = 0; i < 3; i++) { // requests within the deadline keep the connection
        out.write("GET /health/live HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        RawHttp.Reply reply = RawHttp.read(in, false);
        assertEquals(200, reply.status(), reply.head());
      }
      assertTrue(in.read() < 0, "idle keep-alive connection closed by the server");
      long ms = System.currentTimeMillis() - start;
      assertTrue(ms >= 250, "closed after " + ms + " ms, not at once");
    }
  }

  @Test
  void aStreamOutlivesTheRequestTimeoutAndKeepsItsHeartbeats(Vertx vertx) {
    Gateway g = deploy(vertx, new JsonObject().put("limits.request_timeout_ms", 200).put("heartbeat_ms", 1000));
    HttpClient client = vertx.createHttpClient();
    SseTestClient stream = SseTestClient.open(client, g.port(), "/events?topic=a").await();
    stream.awaitType(WireNames.HEARTBEAT, 3).await(); // 3 s: 15 times the request timeout
    assertFalse(stream.isEnded(), "the stream is still open");
    assertEquals(0, g.stats().rejectedByReason.count("request_timeout"));
  }

  @Test
  void connectionsThatAreNotStreamsAreBoundedPerAddressFromAcceptOldestSilentOnesGoFirst(Vertx vertx) {
    Gateway g = deploy(vertx, new JsonObject().put("limits.max_connections_per_address", 5)
        .put("limits.request_timeout_ms", 60_000).put("http.instances", 1));
    AtomicInteger closed = new AtomicInteger();
    List<NetSocket> silent = connect(vertx, g.port(), 8, "", closed);
    Await.until(vertx, () -> closed.get() == 3, 10_000, () -> closed.get() + " of 3 evicted").await();
    // the node counts on its own loop: a close seen by the client can come before the count of the newcomer
    Await.until(vertx, () -> g.stats().notStreamsPerAddress.of("127.0.0.1") == 5, 10_000,
        () -> "waiting connections counted: " + g.stats().notStreamsPerAddress.of("127.0.0.1")).await();
    assertEquals(3, g.stats().rejectedByReason.count("connection_evicted"));
    Await.until(vertx, () -> Metrics.parse(g.metrics().scrape()).get("sse_open_connections") == 5, 10_000,
        () -> "sse_open_connections " + Metrics.parse(g.metrics().scrape()).get("sse_open_connections")).await();
    // a client that sends a request still gets in and is answered: the oldest silent connection makes room
    HttpClient client = vertx.createHttpClient();
    assertEquals(200, Http.get(client, g.port(), "/health/live").await().status());
    assertEquals(4, g.stats().rejectedByReason.count("connection_evicted"));
    Future.join(silent.stream().map(NetSocket::close).toList()).await();
    client.close().await();
    Await.until(vertx, () -> g.stats().notStreamsPerAddress.of("127.0.0.1") == 0, 10_000,
        () -> "slots given back: " + g.stats().notStreamsPerAddress.of("127.0.0.1")).await();
    // a connection whose request became a stream gives its slot back: 5 streams, then 5 silent connections fit
    HttpClient streams = vertx.createHttpClient();
    for (int i = 0; i < 5; i++) {
      SseTestClient.open(streams, g.port(), "/events?topic=a" + i).await();
    }
    AtomicInteger closedLater = new AtomicInteger();
    connect(vertx, g.port(), 5, "", closedLater);
    Await.until(vertx, () -> g.stats().notStreamsPerAddress.of("127.0.0.1") == 5, 10_000,
        () -> "slots " + g.stats().notStreamsPerAddress.of("127.0.0.1")).await();
    assertEquals(0, closedLater.get(), "none of the 5 closed");
    assertEquals(4, g.stats().rejectedByReason.count("connection_evicted"));
  }

  @Test
  void idleKeepAliveConnectionsMakeRoomForANewClientOfTheirAddress(Vertx vertx) throws Exception {
    Gateway g = deploy(vertx, new JsonObject().put("limits.max_connections_per_address", 3)
        .put("limits.request_timeout_ms", 2000).put("http.instances", 1));
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) { // each asks once and stays open: all the address's slots are held
        Socket s = new Socket("127.0.0.1", g.port());
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(200, RawHttp.read(s.getInputStream(), false).status());
        idle.add(s);
      }
      long answered = System.currentTimeMillis();
      HttpClient client = vertx.createHttpClient();
      // refused at first (the three are not idle for long yet), then one of them makes room
      Http.Answer health = Http.poll(vertx, client, g.port(), "/health/live", a -> a.status() == 200, 20_000).await();
      long waitedMs = System.currentTimeMillis() - answered;
      assertEquals(200, health.status());
      assertTrue(g.stats().rejectedByReason.count("connection_evicted") >= 1,
          "an idle connection was evicted (after " + waitedMs + " ms), not closed by its idle deadline");
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  void theFdReserveIsKeptForLoopbackClients() {
    long limit = 20_000;
    assertTrue(ConnectionGate.admits(18_976, limit, 1024, false));
    assertFalse(ConnectionGate.admits(18_977, limit, 1024, false), "other addresses stop at limit - reserve");
    assertTrue(ConnectionGate.admits(19_488, limit, 1024, true), "loopback may use half the reserve");
    assertFalse(ConnectionGate.admits(19_489, limit, 1024, true));
    assertTrue(ConnectionGate.isLoopback("127.0.0.1") && ConnectionGate.isLoopback("::1"));
    assertFalse(ConnectionGate.isLoopback("10.0.0.1"));
    assertTrue(ConnectionGate.MAX_FILE_DESCRIPTORS > 1024, "the process's open-file limit is read");
  }
}
