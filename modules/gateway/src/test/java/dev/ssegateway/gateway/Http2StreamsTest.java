package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams over HTTP/2, several per connection: the Vert.x HTTP client with cleartext prior knowledge
 * ({@code http.h2c}), the JDK client over TLS with ALPN and over an {@code Upgrade: h2c}. Each stream holds the wire
 * contract on its own (headers, retry, hello with its id, events in order, heartbeats, resume, metrics by protocol),
 * CORS and a live heartbeat change hold per stream (slow streams: {@code Http2SlowStreamsTest}), shutdown ends every stream with its retry before the GOAWAY,
 * an HTTP/2 connection without streams is closed, and the stream limits hold per stream.
 */
@ExtendWith(VertxExtension.class)
class Http2StreamsTest {

  private static final String CERT = Path.of("src/test/resources/tls/cert.pem").toAbsolutePath().toString();
  private static final String KEY = Path.of("src/test/resources/tls/key.pem").toAbsolutePath().toString();

  /** An HTTP/2 client that puts every request on one connection. */
  static HttpClient h2Client(Vertx vertx, boolean tls) {
    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setHttp2MultiplexingLimit(1000)
        .setHttp2ConnectionWindowSize(64 * 1024 * 1024);
    if (tls) {
      options.setSsl(true).setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(CERT));
    }
    CLIENT_CONTEXT.set(vertx.getOrCreateContext());
    return vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1));
  }

  private static JsonObject settings(boolean tls) {
    JsonObject conf = new JsonObject().put("heartbeat_ms", 1000).put("http.instances", 1);
    return tls ? conf.put("tls.cert_file", CERT).put("tls.key_file", KEY) : conf; // cleartext: h2c is on by default
  }

  /**
   * Opens {@code n} streams from one context (the client's connection's), as a page or an app with one event loop
   * does; resume requests too go through {@link #openOne}.
   */
  private static List<SseTestClient> open(HttpClient client, int port, String path, int n) throws Exception {
    io.vertx.core.Promise<List<SseTestClient>> result = io.vertx.core.Promise.promise();
    CLIENT_CONTEXT.get().runOnContext(v -> {
      List<Future<SseTestClient>> opened = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        opened.add(SseTestClient.open(client, port, path).compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
      }
      Future.all(opened).map(f -> f.<SseTestClient>list()).onComplete(result);
    });
    return result.future().await(30, TimeUnit.SECONDS);
  }

  private static SseTestClient openOne(HttpClient client, int port, String path, MultiMap headers) throws Exception {
    io.vertx.core.Promise<SseTestClient> result = io.vertx.core.Promise.promise();
    CLIENT_CONTEXT.get().runOnContext(v -> SseTestClient.open(client, port, path, headers).onComplete(result));
    return result.future().await(10, TimeUnit.SECONDS);
  }

  /** The one context the test's HTTP/2 client works from. */
  private static final ThreadLocal<io.vertx.core.Context> CLIENT_CONTEXT = new ThreadLocal<>();

  private static List<String> dataOf(List<SseFrame> frames, String type) {
    return frames.stream().filter(f -> type.equals(f.type())).map(SseFrame::data).toList();
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void streamsOverOneH2cConnectionEachKeepTheWireContract(Vertx vertx, VertxTestContext ctx) throws Exception {
    everyStreamKeepsTheWireContract(vertx, false);
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void streamsOverOneTlsAlpnConnectionOfTheJdkClientEachKeepTheWireContract(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    int n = 8;
    TestOrigin origin = new TestOrigin(vertx, "h2tls");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(true)), "n1").await(20, TimeUnit.SECONDS);
    java.net.http.HttpClient jdk = JdkSseStream.client(CERT);
    String url = "https://127.0.0.1:" + g.port() + "/events?topic=a";
    List<JdkSseStream> streams = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      streams.add(JdkSseStream.open(jdk, url));
    }
    Await.until(vertx, () -> streams.stream().allMatch(s -> s.framesOf(WireNames.HELLO).size() == 1), 20_000,
        () -> "every hello").await(30, TimeUnit.SECONDS);
    for (JdkSseStream s : streams) {
      assertEquals(java.net.http.HttpClient.Version.HTTP_2, s.response().version(), "ALPN chose h2");
      assertEquals(WireNames.EVENT_STREAM, s.response().headers().firstValue("content-type").orElse(""));
      assertEquals("no-cache", s.response().headers().firstValue("cache-control").orElse(""));
      SseFrame hello = s.framesOf(WireNames.HELLO).get(0);
      assertEquals(500, hello.retry());
      assertFalse(hello.id().isEmpty());
    }
    assertEquals(1, g.stats().openConnections.get(), "all streams over one TLS connection");
    assertEquals(n, g.stats().openStreams());
    List<String> payloads = IntStream.rangeClosed(1, 30).mapToObj(i -> i % 3 == 0 ? "x".repeat(20_000 + i)
        : "line one\nline " + i).toList();
    payloads.forEach(d -> origin.publish("a", "m", d));
    Await.until(vertx, () -> streams.stream().allMatch(s -> s.framesOf("m").size() >= payloads.size())
            && streams.stream().allMatch(s -> !s.framesOf(WireNames.HEARTBEAT).isEmpty()), 30_000,
        () -> "every event and a heartbeat: " + streams.stream().map(s -> s.framesOf("m").size()).toList())
        .await(40, TimeUnit.SECONDS);
    for (JdkSseStream s : streams) {
      assertEquals(payloads, dataOf(s.frames(), "m"), "every event, in order, once");
    }
    String tenth = streams.get(0).framesOf("m").get(9).id();
    JdkSseStream resumed = JdkSseStream.open(jdk, url, WireNames.LAST_EVENT_ID_HEADER, tenth);
    origin.publish("a", "m", "live");
    Await.until(vertx, () -> resumed.framesOf("m").size() >= 21, 20_000, () -> "the replay and the live event")
        .await(30, TimeUnit.SECONDS);
    List<String> expected = new ArrayList<>(payloads.subList(10, payloads.size()));
    expected.add("live");
    assertEquals(expected, dataOf(resumed.frames(), "m"));
    assertEquals(1, g.stats().openConnections.get(), "the resume used the same connection");

    // a client that offers only http/1.1 still gets a direct-write HTTP/1.1 stream on the same port
    HttpClient http11 = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_1_1)).setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
    CLIENT_CONTEXT.set(vertx.getOrCreateContext());
    SseTestClient s = open(http11, g.port(), "/events?topic=a", 1).get(0);
    assertEquals(HttpVersion.HTTP_1_1, s.response().version());
    Await.until(vertx, () -> g.fanOutLanes().stream().mapToInt(Lane::directStreams).sum() == 1, 10_000,
        () -> "the HTTP/1.1 stream writes straight to its channel").await(20, TimeUnit.SECONDS);
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void anUpgradeToH2cIsServedOverHttp2WhenH2cIsOn(Vertx vertx, VertxTestContext ctx) throws Exception {
    TestOrigin origin = new TestOrigin(vertx, "upg");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(false)), "n1").await(20, TimeUnit.SECONDS);
    // java.net.http asks for HTTP/2 on http:// with Upgrade: h2c
    JdkSseStream s = JdkSseStream.open(JdkSseStream.client(null), "http://127.0.0.1:" + g.port() + "/events?topic=u");
    Await.until(vertx, () -> s.framesOf(WireNames.HELLO).size() == 1, 10_000, () -> "hello")
        .await(20, TimeUnit.SECONDS);
    assertEquals(java.net.http.HttpClient.Version.HTTP_2, s.response().version());
    List.of("one", "two", "three").forEach(d -> origin.publish("u", "m", d));
    Await.until(vertx, () -> s.framesOf("m").size() == 3, 10_000, () -> "the events").await(20, TimeUnit.SECONDS);
    assertEquals(List.of("one", "two", "three"), dataOf(s.frames(), "m"));
    ctx.completeNow();
  }

  private void everyStreamKeepsTheWireContract(Vertx vertx, boolean tls) throws Exception {
    int n = 8;
    TestOrigin origin = new TestOrigin(vertx, "h2");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(tls)), "n1").await(20, TimeUnit.SECONDS);
    HttpClient client = h2Client(vertx, tls);
    List<SseTestClient> streams = open(client, g.port(), "/events?topic=a", n);
    HttpConnection shared = streams.get(0).response().request().connection();
    for (SseTestClient s : streams) {
      assertEquals(HttpVersion.HTTP_2, s.response().version());
      assertSame(shared, s.response().request().connection(), "every stream on one connection");
      assertEquals(WireNames.EVENT_STREAM, s.response().getHeader("Content-Type"));
      assertEquals("no-cache", s.response().getHeader("Cache-Control"));
      assertEquals("no", s.response().getHeader("X-Accel-Buffering"));
      assertNull(s.response().getHeader("Connection"), "HTTP/2 forbids Connection");
      SseFrame hello = s.framesOf(WireNames.HELLO).get(0);
      assertEquals(500, hello.retry(), "retry: before hello");
      assertFalse(hello.id().isEmpty(), "hello carries the stream's position");
      assertEquals(1000, new JsonObject(hello.data()).getInteger("heartbeat_ms"));
    }
    assertEquals(tls, shared.isSsl());
    assertEquals(n, g.stats().openStreams(), "each HTTP/2 stream counts as a stream");
    Metrics metrics = Http.get(vertx.createHttpClient(), g.port(), "/metrics").map(a -> Metrics.parse(a.body()))
        .await(10, TimeUnit.SECONDS);
    assertEquals(n, metrics.get("sse_open_streams_by_protocol{protocol=\"http2\"}"));
    assertEquals(0.0, metrics.get("sse_open_streams_by_protocol{protocol=\"http1\"}"));

    List<String> payloads = IntStream.rangeClosed(1, 30).mapToObj(i -> i % 3 == 0 ? "x".repeat(20_000 + i)
        : "line one\nline " + i).toList();
    payloads.forEach(d -> origin.publish("a", "m", d));
    List<List<SseFrame>> got = Future.all(streams.stream().map(s -> s.awaitType("m", payloads.size())).toList())
        .map(f -> f.<List<SseFrame>>list()).await(30, TimeUnit.SECONDS);
    for (List<SseFrame> frames : got) {
      assertEquals(payloads, dataOf(frames, "m"), "every event, in order, once");
    }
    Future.all(streams.stream().map(s -> s.awaitType(WireNames.HEARTBEAT, 1)).toList()).await(10, TimeUnit.SECONDS);

    // resume on the same connection from the 10th event: the 20 after it, then live
    String tenth = got.get(0).stream().filter(f -> "m".equals(f.type())).toList().get(9).id();
    SseTestClient resumed = openOne(client, g.port(), "/events?topic=a",
        MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, tenth));
    assertSame(shared, resumed.response().request().connection());
    origin.publish("a", "m", "live");
    List<SseFrame> replay = resumed.awaitType("m", 21).await(20, TimeUnit.SECONDS);
    List<String> expected = new ArrayList<>(payloads.subList(10, payloads.size()));
    expected.add("live");
    assertEquals(expected, dataOf(replay, "m"));
    assertTrue(new JsonObject(resumed.framesOf(WireNames.HELLO).get(0).data()).getBoolean("resumed"));

    // one stream closed by its client: the others on the connection stay, and the count follows
    streams.get(0).response().request().reset().await(10, TimeUnit.SECONDS);
    Await.until(vertx, () -> g.stats().openStreams() == n, 10_000, () -> "open " + g.stats().openStreams())
        .await(20, TimeUnit.SECONDS);
    origin.publish("a", "m", "after");
    streams.get(1).await(fs -> dataOf(fs, "m").contains("after")).await(10, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void onShutdownEveryHttp2StreamGetsItsJitteredRetryBeforeTheGoaway(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    int n = 3;
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(false).put("retry_ms", 700)
        .put("shutdown.retry_jitter_ms", 300)), "n1").await(20, TimeUnit.SECONDS);
    HttpClient client = h2Client(vertx, false);
    List<StringBuilder> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<io.vertx.core.Promise<Void>> ends = new ArrayList<>();
    io.vertx.core.Promise<List<Boolean>> goAway = io.vertx.core.Promise.promise();
    io.vertx.core.Promise<Void> opened = io.vertx.core.Promise.promise();
    CLIENT_CONTEXT.get().runOnContext(v -> {
      List<Future<Void>> heads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        StringBuilder body = new StringBuilder();
        bodies.add(body);
        io.vertx.core.Promise<Void> end = io.vertx.core.Promise.promise();
        ends.add(end);
        heads.add(client.request(new RequestOptions().setHost("127.0.0.1").setPort(g.port())
                .setURI("/events?topic=a")).compose(r -> r.send()).map(resp -> {
          resp.handler(b -> body.append(b.toString()));
          resp.endHandler(x -> end.tryComplete());
          resp.request().connection().goAwayHandler(x -> goAway.tryComplete(
              ends.stream().map(p -> p.future().isComplete()).toList()));
          return null;
        }));
      }
      Future.all(heads).<Void>mapEmpty().onComplete(opened);
    });
    opened.future().await(20, TimeUnit.SECONDS);
    Await.until(vertx, () -> bodies.stream().allMatch(b -> b.toString().contains("event: hello")), 10_000,
        () -> "every hello").await(20, TimeUnit.SECONDS);
    g.close().await(30, TimeUnit.SECONDS);
    List<Boolean> endedBeforeGoAway = goAway.future().await(20, TimeUnit.SECONDS);
    assertEquals(java.util.Collections.nCopies(n, true), endedBeforeGoAway, "every stream ended before the GOAWAY");
    for (StringBuilder body : bodies) {
      String text = body.toString();
      java.util.regex.Matcher last = java.util.regex.Pattern.compile("retry: (\\d+)\n\n$").matcher(text);
      assertTrue(last.find(), "the stream ends with its retry: " + text);
      long retry = Long.parseLong(last.group(1));
      assertTrue(retry >= 700 && retry <= 1000, "retry_ms plus jitter: " + retry);
    }
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void anHttp2ConnectionLeftWithoutStreamsIsClosedAfterTheRequestTimeout(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(false).put("limits.request_timeout_ms", 500)), "n1")
        .await(20, TimeUnit.SECONDS);
    HttpClient client = h2Client(vertx, false);
    List<SseTestClient> two = open(client, g.port(), "/events?topic=a", 2);
    HttpConnection connection = two.get(0).response().request().connection();
    io.vertx.core.Promise<Long> closedAt = io.vertx.core.Promise.promise();
    connection.closeHandler(v -> closedAt.tryComplete(System.nanoTime()));
    two.get(0).response().request().reset().await(10, TimeUnit.SECONDS);
    Await.until(vertx, () -> g.stats().openStreams() == 1, 10_000, () -> "one stream left")
        .await(20, TimeUnit.SECONDS);
    long lastStreamGone = System.nanoTime();
    two.get(1).response().request().reset().await(10, TimeUnit.SECONDS);
    long closed = closedAt.future().await(20, TimeUnit.SECONDS);
    assertTrue(closed - lastStreamGone >= 400_000_000L, "open while it had a stream, closed after the timeout");
    Await.until(vertx, () -> g.stats().openConnections.get() == 0, 10_000, () -> "connection gone on the server")
        .await(20, TimeUnit.SECONDS);
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void corsAndALiveHeartbeatChangeHoldPerHttp2Stream(Vertx vertx, VertxTestContext ctx) throws Exception {
    String app = "https://app.example.com";
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(false).put("cors.allowed_origins", app)), "n1")
        .await(20, TimeUnit.SECONDS);
    HttpClient client = h2Client(vertx, false);
    MultiMap origin = MultiMap.caseInsensitiveMultiMap().add("Origin", app);
    SseTestClient first = openOne(client, g.port(), "/events?topic=a", origin);
    SseTestClient second = openOne(client, g.port(), "/events?topic=a", origin);
    assertSame(first.response().request().connection(), second.response().request().connection());
    for (SseTestClient s : List.of(first, second)) {
      assertEquals(app, s.response().getHeader("Access-Control-Allow-Origin"), "each stream carries CORS");
    }
    dev.ssegateway.core.LiveSettings live = g.settings();
    live.apply(vertx, dev.ssegateway.core.SettingsValidator.apply(live.current(),
        new JsonObject().put("heartbeat_ms", 2000)));
    for (SseTestClient s : List.of(first, second)) {
      s.await(fs -> fs.stream().anyMatch(f -> WireNames.HEARTBEAT.equals(f.type())
          && new JsonObject(f.data()).getInteger("heartbeat_ms") == 2000)).await(20, TimeUnit.SECONDS);
      assertFalse(s.isEnded(), "the new interval arrives on the open stream");
    }
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void maxStreamsPerConnectionIsAnnouncedAndEachStreamCountsInMaxConnections(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(settings(false).put("limits.max_streams_per_connection", 3)
        .put("limits.max_connections", 4)), "n1").await(20, TimeUnit.SECONDS);
    HttpClient client = h2Client(vertx, false);
    List<SseTestClient> three = open(client, g.port(), "/events?topic=a", 3);
    HttpConnection connection = three.get(0).response().request().connection();
    assertEquals(3L, connection.remoteSettings().getMaxConcurrentStreams(), "SETTINGS_MAX_CONCURRENT_STREAMS");

    // a second connection (another client) fills the node: 4 streams over 2 connections is the limit
    HttpClient other = h2Client(vertx, false);
    open(other, g.port(), "/events?topic=a", 1);
    JsonObject refused = other.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(g.port()).setURI("/events?topic=a"))
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
            .put("body", new JsonObject(b)))))
        .await(10, TimeUnit.SECONDS);
    assertEquals(503, refused.getInteger("status"), refused.encode());
    assertEquals("too_many_streams", refused.getJsonObject("body").getString("error"));
    assertEquals(4, g.stats().openStreams());
    ctx.completeNow();
  }
}
