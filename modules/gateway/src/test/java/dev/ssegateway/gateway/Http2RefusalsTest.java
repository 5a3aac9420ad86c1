package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 requests that Netty's codec or Vert.x would refuse by themselves, sent as raw frames on a connection that
 * already holds an open event stream (stream 1): each gets a status and a JSON body {@code {"error","message"}} naming
 * the problem, with the same error code as over HTTP/1.1, and the connection's event stream keeps receiving events.
 * What RFC 9113 makes malformed and the codec finds while decoding gets {@code RST_STREAM PROTOCOL_ERROR} (section
 * 8.1.1: a stream error), again with the other stream going on; a header block beyond what the codec buffers ends its connection with a GOAWAY, and only
 * that connection. (Unknown methods, {@code CONNECT} and a missing {@code :authority}: {@link SelfAnsweredRefusalsTest}.)
 */
@ExtendWith(VertxExtension.class)
@org.junit.jupiter.api.Timeout(120)
class Http2RefusalsTest {

  private static final long WAIT_MS = 10_000;
  private static final long PROTOCOL_ERROR = 1;
  private static final long NO_ERROR = 0;
  private static final String CERT = Path.of("src/test/resources/tls/cert.pem").toAbsolutePath().toString();
  private static final String KEY = Path.of("src/test/resources/tls/key.pem").toAbsolutePath().toString();
  private static final GatewaySettings DEFAULTS = TestSettings.of(new JsonObject());
  /** The announced SETTINGS_MAX_HEADER_LIST_SIZE on the defaults. */
  private static final int LIST_SIZE = DEFAULTS.get(GatewaySettings.MAX_HEADER_BYTES)
      + GatewayVerticle.maxRequestLineBytes(DEFAULTS);
  private static final AtomicInteger PAYLOADS = new AtomicInteger();

  /** A gateway on the defaults, its origin of events, and a connection whose stream 1 follows topic {@code a}. */
  private record Fixture(Vertx vertx, int port, TestOrigin origin, RawH2 connection) {
  }

  private static Fixture open(Vertx vertx, boolean tls) {
    JsonObject conf = tls ? new JsonObject().put("tls.cert_file", CERT).put("tls.key_file", KEY) : new JsonObject();
    int port = Gateway.deploy(vertx, TestSettings.of(conf), "n").await().port();
    TestOrigin origin = new TestOrigin(vertx, "h2r");
    RawH2 c = openStream(vertx, port, tls);
    return new Fixture(vertx, port, origin, c);
  }

  private static RawH2 openStream(Vertx vertx, int port, boolean tls) {
    NetClientOptions options = tls ? new NetClientOptions().setSsl(true).setUseAlpn(true)
        .setHostnameVerificationAlgorithm("HTTPS").setApplicationLayerProtocols(List.of("h2"))
        .setTrustOptions(new PemTrustOptions().addCertPath(CERT)) : new NetClientOptions();
    RawH2 c = RawH2.connect(vertx, port, options).await();
    c.headers(1, get("/events?topic=a"), true).await();
    Await.until(vertx, () -> c.stream(1).data.indexOf("event: hello") >= 0, WAIT_MS,
        () -> "the event stream's hello: " + c.stream(1)).await();
    return c;
  }

  private static Http2Headers get(String path) {
    return new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a").path(path);
  }

  /** Sends {@code headers} (ending the stream) on a new stream and waits for that stream to end or be reset. */
  private static RawH2.Stream send(Fixture f, Http2Headers headers) {
    RawH2 c = f.connection();
    int id = c.nextStreamId();
    RawH2.Stream s = c.stream(id);
    c.headers(id, headers, true).await();
    Await.until(f.vertx(), () -> s.ended && s.headers != null || s.reset != null || c.goAway != null || c.closed,
        WAIT_MS, () -> "an answer or a reset on stream " + id + ": " + s).await();
    return s;
  }

  private static void assertJson(RawH2.Stream s, int status, String code) {
    assertTrue(s.ended, "a complete answer: " + s);
    assertEquals(String.valueOf(status), String.valueOf(s.headers.status()), s.toString());
    assertTrue(String.valueOf(s.headers.get("content-type")).startsWith("application/json"), s.toString());
    JsonObject body = new JsonObject(s.data.toString());
    assertEquals(code, body.getString("error"), s.toString());
    assertTrue(body.getString("message", "").length() > 10, s.toString());
  }

  /** The event stream on {@code c} receives an event published now, and the connection got no GOAWAY. */
  private static void assertStillStreaming(Fixture f, RawH2 c) {
    String payload = "after-" + PAYLOADS.incrementAndGet();
    f.origin().publish("a", "m", payload);
    Await.until(f.vertx(), () -> c.stream(1).data.indexOf("data: " + payload) >= 0, WAIT_MS,
        () -> "the event on the connection's other stream: " + c.stream(1)).await();
    assertNull(c.goAway, "no GOAWAY");
    assertFalse(c.closed, "the connection is open");
    assertNull(c.stream(1).reset, "the event stream was not reset");
  }

  private static void assertJsonAndStillStreaming(Fixture f, Http2Headers headers, int status, String code) {
    RawH2.Stream s = send(f, headers);
    assertJson(s, status, code);
    assertStillStreaming(f, f.connection());
  }

  private static void assertResetAndStillStreaming(Fixture f, Http2Headers headers) {
    RawH2.Stream s = send(f, headers);
    assertEquals(Long.valueOf(PROTOCOL_ERROR), s.reset, "RST_STREAM PROTOCOL_ERROR: " + s);
    assertNull(s.headers, "no answer before the reset: " + s);
    assertStillStreaming(f, f.connection());
  }

  @Test
  void aHeaderListOverTheAnnouncedSizeGetsJson431AndTheOtherStreamGoesOn(Vertx vertx) {
    Fixture f = open(vertx, false);
    RawH2.Stream s = send(f, get("/events?topic=a").add("x-big", "v".repeat(LIST_SIZE + 100)));
    assertJson(s, 431, "headers_too_large");
    assertTrue(s.reset == null || s.reset == NO_ERROR, "at most a RST_STREAM NO_ERROR after the answer: " + s);
    assertStillStreaming(f, f.connection());
  }

  @Test
  void aHeaderListOverTheAnnouncedSizeGetsJson431OverTls(Vertx vertx) {
    Fixture f = open(vertx, true);
    RawH2.Stream s = send(f, get("/events?topic=a").add("x-big", "v".repeat(LIST_SIZE + 100)));
    assertJson(s, 431, "headers_too_large");
    assertStillStreaming(f, f.connection());
  }

  @Test
  void aHeaderListOverTheAnnouncedSizeSpreadOverManyFieldsGetsJson431(Vertx vertx) {
    Fixture f = open(vertx, false);
    Http2Headers headers = get("/events?topic=a");
    for (int i = 0; i * 40 < LIST_SIZE + 1000; i++) {
      headers.add("x-field-" + i, "v");
    }
    assertJsonAndStillStreaming(f, headers, 431, "headers_too_large");
  }

  @Test
  void aHeaderListOverTheAnnouncedSizeGetsJson431OnAConnectionUpgradedFromHttp11(Vertx vertx) {
    int port = Gateway.deploy(vertx, DEFAULTS, "n").await().port();
    RawH2 c = RawH2.upgrade(vertx, port, "/events?topic=a").await();
    Await.until(vertx, () -> c.stream(1).data.indexOf("event: hello") >= 0, WAIT_MS,
        () -> "the upgraded event stream's hello: " + c.stream(1)).await();
    Fixture f = new Fixture(vertx, port, new TestOrigin(vertx, "h2u"), c);
    assertJsonAndStillStreaming(f, get("/events?topic=a").add("x-big", "v".repeat(LIST_SIZE + 100)), 431,
        "headers_too_large");
    assertJsonAndStillStreaming(f, get("/events?topic=a").method("G{T"), 400, "bad_request");
  }

  @Test
  void headersOverMaxHeaderBytesWithinTheAnnouncedSizeGetJson431AsOverHttp11(Vertx vertx) {
    Fixture f = open(vertx, false);
    assertJsonAndStillStreaming(f, get("/events?topic=a").add("x-big", "v".repeat(
        DEFAULTS.get(GatewaySettings.MAX_HEADER_BYTES) + 10)), 431, "headers_too_large");
  }

  @Test
  void aPathLongerThanTheRequestLineBoundGetsJson414AsOverHttp11(Vertx vertx) {
    Fixture f = open(vertx, false);
    assertJsonAndStillStreaming(f, get("/events?topic=a&x=" + "a".repeat(GatewayVerticle.maxRequestLineBytes(
        DEFAULTS))), 414, "uri_too_long");
  }

  @Test
  void aMethodThatIsNotATokenGetsJson400InsteadOfClosingTheConnection(Vertx vertx) {
    Fixture f = open(vertx, false);
    assertJsonAndStillStreaming(f, get("/events?topic=a").method("G{T"), 400, "bad_request");
  }

  @Test
  void twoHostHeadersGetJson400AmbiguousHostAsOverHttp11(Vertx vertx) {
    Fixture f = open(vertx, false);
    assertJsonAndStillStreaming(f, new DefaultHttp2Headers(false).method("GET").scheme("http").path("/health/live")
        .add("host", "a").add("host", "b"), 400, "ambiguous_host");
  }

  @Test
  void aHeaderBlockBeyondWhatTheCodecBuffersEndsOnlyItsOwnConnection(Vertx vertx) {
    Fixture f = open(vertx, false);
    RawH2 other = openStream(vertx, f.port(), false);
    RawH2 c = f.connection();
    c.headers(c.nextStreamId(), get("/events?topic=a").add("x-big", "v".repeat(LIST_SIZE * 2)), true).await();
    Await.until(vertx, () -> c.closed, WAIT_MS, () -> "the connection closed, GOAWAY " + c.goAway).await();
    assertEquals(Long.valueOf(PROTOCOL_ERROR), c.goAway, "GOAWAY PROTOCOL_ERROR");
    assertStillStreaming(f, other);
    RawH2 again = openStream(vertx, f.port(), false);
    assertStillStreaming(f, again);
  }

  @Test
  void aStreamBeyondTheAnnouncedMaxConcurrentStreamsIsRefusedAndTheOthersGoOn(Vertx vertx) {
    int port = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_streams_per_connection", 2)),
        "n").await().port();
    RawH2 c = openStream(vertx, port, false);
    Fixture f = new Fixture(vertx, port, new TestOrigin(vertx, "h2m"), c);
    int second = c.nextStreamId();
    c.headers(second, get("/events?topic=a"), true).await();
    Await.until(vertx, () -> c.stream(second).data.indexOf("event: hello") >= 0, WAIT_MS,
        () -> "the second stream's hello: " + c.stream(second)).await();
    RawH2.Stream third = send(f, get("/events?topic=a"));
    assertEquals(Long.valueOf(7), third.reset, "RST_STREAM REFUSED_STREAM (RFC 9113 section 5.1.2): " + third);
    assertNull(third.headers, "no answer: " + third);
    assertStillStreaming(f, c);
    assertFalse(c.stream(second).ended, "the second stream is still open");
  }

  @Test
  void anUpperCaseHeaderNameIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false), get("/health/live").add("X-Upper", "1"));
  }

  @Test
  void aConnectionHeaderIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false), get("/health/live").add("connection", "keep-alive"));
  }

  @Test
  void aTransferEncodingHeaderIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false), get("/health/live").add("transfer-encoding", "chunked"));
  }

  @Test
  void aTeOtherThanTrailersIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false), get("/health/live").add("te", "gzip"));
  }

  @Test
  void aMissingPathIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false),
        new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a"));
  }

  @Test
  void anUnknownPseudoHeaderIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    assertResetAndStillStreaming(open(vertx, false), get("/health/live").add(":foo", "x"));
  }

  @Test
  void aHostThatDiffersFromTheAuthorityGetsJson400ThenAResetAndTheOtherStreamGoesOn(Vertx vertx) {
    Fixture f = open(vertx, false);
    RawH2.Stream s = send(f, get("/health/live").add("host", "b"));
    assertJson(s, 400, "bad_request");
    Await.until(vertx, () -> s.reset != null, WAIT_MS, () -> "the reset after the answer: " + s).await();
    assertEquals(Long.valueOf(PROTOCOL_ERROR), s.reset, "malformed (RFC 9113 section 8.3.1): " + s);
    assertStillStreaming(f, f.connection());
  }

  @Test
  void aContentLengthThatDoesNotMatchTheDataIsResetAndTheOtherStreamGoesOn(Vertx vertx) {
    Fixture f = open(vertx, false);
    RawH2 c = f.connection();
    int id = c.nextStreamId();
    RawH2.Stream s = c.stream(id);
    c.headers(id, get("/health/live").method("POST").add("content-type", "text/plain").add("content-length", "3"),
        false).await();
    c.data(id, "hello", true).await();
    Await.until(vertx, () -> s.reset != null, WAIT_MS, () -> "a reset: " + s).await();
    assertEquals(Long.valueOf(PROTOCOL_ERROR), s.reset, "RST_STREAM PROTOCOL_ERROR: " + s);
    assertStillStreaming(f, c);
  }
}
