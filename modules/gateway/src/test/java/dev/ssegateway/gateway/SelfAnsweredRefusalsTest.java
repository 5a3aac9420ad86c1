package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.RawHttp;
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
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client sends that Vert.x or Netty would answer by themselves, before any handler of ours, on the default
 * configuration (HTTP/1.1 with cleartext HTTP/2 beside it; HTTP/2 over TLS too): each such input, sent as raw bytes over a socket, gets a
 * status line, {@code Content-Type: application/json} and a JSON body {@code {"error","message"}} naming the problem,
 * and the connection is closed where its framing can no longer be trusted. An {@code Upgrade: h2c} that cannot be
 * served is declined and the request served over HTTP/1.1. Refusals covered elsewhere: 404/405/400 of the router, 414
 * and 431 ({@link HttpRefusalsTest}), ambiguous {@code Transfer-Encoding} ({@link AmbiguousFramingTest}).
 */
@ExtendWith(VertxExtension.class)
@org.junit.jupiter.api.Timeout(120)
class SelfAnsweredRefusalsTest {

  private static final String HOST = "Host: a\r\n";
  private static final String POST = "POST /publish/a HTTP/1.1\r\n" + HOST + "Content-Type: text/plain\r\n";
  private static final String UPGRADE = "GET /health/live HTTP/1.1\r\n" + HOST + "Upgrade: h2c\r\n";
  private static final String CONNECTION_UPGRADE = "Connection: Upgrade, HTTP2-Settings\r\n";
  private static final long WAIT_MS = 10_000;
  private static final String CERT = Path.of("src/test/resources/tls/cert.pem").toAbsolutePath().toString();
  private static final String KEY = Path.of("src/test/resources/tls/key.pem").toAbsolutePath().toString();

  /** The port of a gateway on the defaults with a publish route that counts the bodies it received. */
  private static int deploy(Vertx vertx, AtomicInteger bodies) {
    Routes publish = router -> router.post("/publish/:topic").handler(ctx -> ctx.request().body().onSuccess(b -> {
      bodies.incrementAndGet();
      ctx.response().setStatusCode(202).end();
    }));
    return Gateway.deploy(vertx, TestSettings.of(new JsonObject()), "n", List.of(publish)).await().port();
  }

  /** The first response on a new connection that sent {@code request}; waits for the close when {@code closes}. */
  private static RawHttp.Response send(Vertx vertx, int port, String request, boolean closes) {
    RawHttp c = RawHttp.connect(vertx, port).await();
    c.write(request).await();
    Await.until(vertx, () -> complete(c.received()), WAIT_MS, () -> "a whole response to " + printable(request)
        + "; got " + printable(c.received())).await();
    RawHttp.Response response = c.lastResponse();
    if (closes) {
      c.closed(WAIT_MS).await();
    } else {
      c.close();
    }
    return response;
  }

  /** Whether {@code text} holds a final response head and its {@code Content-Length} body. */
  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    for (String line : text.substring(0, end).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return text.length() - end - 4 >= Integer.parseInt(line.substring(15).trim());
      }
    }
    return true;
  }

  private static String printable(String text) {
    String cut = text.length() > 300 ? text.substring(0, 300) + "..." : text;
    return cut.replace("\r", "\\r").replace("\n", "\\n");
  }

  private static void assertJson(String input, RawHttp.Response r, int status, String code) {
    String what = printable(input) + " -> " + printable(r.head() + "\r\n\r\n" + r.body());
    assertEquals(status, r.status(), what);
    assertTrue(r.head().startsWith("HTTP/1.1 " + status + " ") || r.head().startsWith("HTTP/1.0 " + status + " "),
        what);
    assertNotNull(r.header("Content-Type"), what);
    assertTrue(r.header("Content-Type").startsWith("application/json"), what);
    JsonObject body = new JsonObject(r.body());
    assertEquals(code, body.getString("error"), what);
    assertTrue(body.getString("message", "").length() > 10, what);
  }

  /** Sends {@code input} and asserts a JSON refusal, followed by the server closing the connection. */
  private static JsonObject assertRefusedAndClosed(Vertx vertx, int port, String input, int status, String code) {
    RawHttp.Response r = send(vertx, port, input, true);
    assertJson(input, r, status, code);
    return new JsonObject(r.body());
  }

  @Test
  void aRequestLineOfAnotherHttpVersionGetsJson505OrJson400AndTheConnectionIsClosed(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    for (String version : List.of("HTTP/2.0", "HTTP/3.0", "HTTP/9.9")) {
      JsonObject body = assertRefusedAndClosed(vertx, port, "GET /health/live " + version + "\r\n" + HOST + "\r\n",
          505, "http_version_not_supported");
      assertTrue(body.getString("message").contains(version), body.encode());
    }
    // the HTTP/2 preface with something else after it is an HTTP/1.x request line naming HTTP/2.0
    assertRefusedAndClosed(vertx, port, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", 505, "http_version_not_supported");
    JsonObject notHttp = assertRefusedAndClosed(vertx, port, "GET /health/live FOO/1.1\r\n" + HOST + "\r\n", 400,
        "bad_request");
    assertTrue(notHttp.getString("message").contains("FOO/1.1"), notHttp.encode());
  }

  @Test
  void aHigherHttp1MinorVersionIsServedAsHttp11(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    RawHttp.Response r = send(vertx, port, "GET /health/live HTTP/1.2\r\n" + HOST + "\r\n", false);
    assertTrue(r.head().startsWith("HTTP/1.1 200 "), r.head());
  }

  @Test
  void aMalformedRequestLineOrHeaderGetsJson400AndTheConnectionIsClosed(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    for (String input : List.of(
        "GARBAGE\r\n\r\n",
        "GET /health/live HTTP/1.1 extra\r\n" + HOST + "\r\n",
        "GET /health/live\r\n\r\n",
        "G{T /health/live HTTP/1.1\r\n" + HOST + "\r\n",
        "GET /health/live HTTP/1.1\n" + HOST.replace("\r\n", "\n") + "\n",
        "GET /health/live HTTP/1.1\r\n" + HOST + "NoColon\r\n\r\n",
        "GET /health/live HTTP/1.1\r\n" + HOST + "X-A : b\r\n\r\n",
        "GET /health/live HTTP/1.1\r\n" + HOST + "X-A: b\u0001c\r\n\r\n",
        "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n")) { // TLS on the cleartext port
      assertRefusedAndClosed(vertx, port, input, 400, "bad_request");
    }
  }

  @Test
  void anInvalidOrDuplicateContentLengthGetsJson400AndTheConnectionIsClosed(Vertx vertx) {
    AtomicInteger bodies = new AtomicInteger();
    int port = deploy(vertx, bodies);
    for (String length : List.of("abc", "-1", "+5", "99999999999999999999", "5, 5", "5\r\nContent-Length: 5",
        "5\r\nContent-Length: 3")) {
      JsonObject body = assertRefusedAndClosed(vertx, port, POST + "Content-Length: " + length + "\r\n\r\nhello", 400,
          "bad_request");
      assertTrue(body.getString("message").contains("Content-Length"), body.encode());
    }
    assertEquals(0, bodies.get(), "no refused request reached the handler");
  }

  @Test
  void aBrokenChunkedBodyGetsJson400InsteadOfAClosedConnection(Vertx vertx) {
    AtomicInteger bodies = new AtomicInteger();
    int port = deploy(vertx, bodies);
    String chunked = POST + "Transfer-Encoding: chunked\r\n\r\n";
    for (String body : List.of("zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX0\r\n\r\n",
        "FFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n")) {
      JsonObject refusal = assertRefusedAndClosed(vertx, port, chunked + body, 400, "bad_request");
      assertTrue(refusal.getString("message").contains("chunked"), refusal.encode());
    }
    // a trailer over limits.max_header_bytes (8192 by default)
    assertRefusedAndClosed(vertx, port, chunked + "5\r\nhello\r\n0\r\nX-Trailer: " + "t".repeat(9000) + "\r\n\r\n",
        431, "headers_too_large");
    assertEquals(0, bodies.get(), "no broken body reached the handler");
    // a well-formed chunked body (with a chunk extension) is still read
    assertEquals(202, send(vertx, port, chunked + "5;x=y\r\nhello\r\n0\r\n\r\n", false).status());
    assertEquals(1, bodies.get());
  }

  @Test
  void unknownMethodsAndConnectGetJson405NamingTheMethod(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    String longMethod = "X".repeat(300);
    for (String method : List.of("BREW", "PROPFIND", "get", longMethod)) {
      RawHttp.Response r = send(vertx, port, method + " /events?topic=a HTTP/1.1\r\n" + HOST + "\r\n", false);
      assertJson(method, r, 405, "method_not_allowed");
      assertTrue(new JsonObject(r.body()).getString("message").contains(method.substring(0, Math.min(50,
          method.length()))), r.body());
    }
    RawHttp.Response connect = send(vertx, port, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", false);
    assertJson("CONNECT", connect, 405, "method_not_allowed");
    assertTrue(new JsonObject(connect.body()).getString("message").contains("CONNECT"), connect.body());
  }

  @Test
  void anUpgradeToH2cThatCannotBeServedIsDeclinedAndTheRequestServedOverHttp11(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    List<String> unservable = List.of(
        UPGRADE + CONNECTION_UPGRADE + "\r\n", // no HTTP2-Settings
        UPGRADE + CONNECTION_UPGRADE + "HTTP2-Settings: !!!\r\n\r\n", // not base64url
        UPGRADE + CONNECTION_UPGRADE + "HTTP2-Settings: AAMAAA\r\n\r\n", // 4 bytes: not whole settings
        UPGRADE + CONNECTION_UPGRADE + "HTTP2-Settings: AAIAAAAC\r\n\r\n", // ENABLE_PUSH = 2: out of range
        UPGRADE + CONNECTION_UPGRADE + "HTTP2-Settings: AAMAAABk\r\nHTTP2-Settings: AAMAAABk\r\n\r\n", // two
        UPGRADE + "Connection: Upgrade\r\nHTTP2-Settings: AAMAAABk\r\n\r\n", // HTTP2-Settings not in Connection
        UPGRADE + "HTTP2-Settings: AAMAAABk\r\n\r\n"); // no Connection
    for (String request : unservable) {
      RawHttp c = RawHttp.connect(vertx, port).await();
      c.write(request).await();
      Await.until(vertx, () -> complete(c.received()), WAIT_MS, () -> printable(c.received())).await();
      RawHttp.Response r = c.lastResponse();
      assertTrue(r.head().startsWith("HTTP/1.1 200 "), printable(request) + " -> " + printable(r.head()));
      assertEquals("up", new JsonObject(r.body()).getString("status"), r.body());
      // the connection goes on in HTTP/1.1
      String first = c.received();
      c.write("GET /health/live HTTP/1.1\r\n" + HOST + "\r\n").await();
      Await.until(vertx, () -> c.received().length() > first.length() && complete(c.received().substring(
          first.length())), WAIT_MS, () -> printable(c.received())).await();
      assertTrue(c.received().substring(first.length()).startsWith("HTTP/1.1 200 "), printable(c.received()));
      c.close();
    }
    // a servable upgrade is still served
    RawHttp c = RawHttp.connect(vertx, port).await();
    c.write(UPGRADE + CONNECTION_UPGRADE + "HTTP2-Settings: AAMAAABk\r\n\r\n").await();
    c.await("\r\n\r\n", WAIT_MS).await();
    assertTrue(c.received().startsWith("HTTP/1.1 101 "), printable(c.received()));
    c.close();
  }

  @Test
  void aRefusedRequestAskingForH2cIsRefusedNotUpgraded(Vertx vertx) {
    AtomicInteger bodies = new AtomicInteger();
    int port = deploy(vertx, bodies);
    String upgrade = CONNECTION_UPGRADE + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n";
    assertRefusedAndClosed(vertx, port, POST + "Transfer-Encoding: xchunked\r\n" + upgrade
        + "\r\n5\r\nhello\r\n0\r\n\r\n", 400, "ambiguous_framing");
    assertRefusedAndClosed(vertx, port, "GET /health/live HTTP/2.0\r\n" + HOST + upgrade + "\r\n", 505,
        "http_version_not_supported");
    assertEquals(0, bodies.get(), "the refused request did not reach the handler over HTTP/2 either");
  }

  @Test
  void overH2cPriorKnowledgeConnectAndUnknownMethodsGetJson405AndAMissingAuthorityJson400(Vertx vertx) {
    int port = deploy(vertx, new AtomicInteger());
    assertHttp2Refusals(vertx, port, new NetClientOptions());
  }

  @Test
  void overHttp2WithTlsConnectAndUnknownMethodsGetJson405AndAMissingAuthorityJson400(Vertx vertx) {
    int port = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("tls.cert_file", CERT)
        .put("tls.key_file", KEY)), "n").await().port();
    assertHttp2Refusals(vertx, port, new NetClientOptions().setSsl(true).setUseAlpn(true)
        .setHostnameVerificationAlgorithm("HTTPS").setApplicationLayerProtocols(List.of("h2"))
        .setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
  }

  private static void assertHttp2Refusals(Vertx vertx, int port, NetClientOptions options) {
    assertH2Json(vertx, port, options, new DefaultHttp2Headers().method("CONNECT").authority("a:443"), 405,
        "method_not_allowed");
    assertH2Json(vertx, port, options, new DefaultHttp2Headers().method("BREW").scheme("http")
        .path("/events?topic=a").authority("a"), 405, "method_not_allowed");
    assertH2Json(vertx, port, options, new DefaultHttp2Headers().method("GET").scheme("http").path("/health/live"),
        400, "bad_request");
  }

  /** Sends {@code headers} as the one request of an HTTP/2 connection (TLS per {@code options}); asserts JSON. */
  private static void assertH2Json(Vertx vertx, int port, NetClientOptions options, Http2Headers headers, int status,
                                   String code) {
    RawH2 c = RawH2.connect(vertx, port, options).await();
    c.headers(1, headers, true).await();
    RawH2.Stream s = c.stream(1);
    Await.until(vertx, () -> s.ended || s.reset != null || c.goAway != null, WAIT_MS,
        () -> "stream 1 to end: " + s).await();
    String what = headers + " -> " + s + (c.goAway == null ? "" : " GOAWAY " + c.goAway);
    assertTrue(s.ended && s.reset == null && c.goAway == null, what);
    assertEquals(String.valueOf(status), String.valueOf(s.headers.status()), what);
    assertTrue(String.valueOf(s.headers.get("content-type")).startsWith("application/json"), what);
    JsonObject body = new JsonObject(s.data.toString());
    assertEquals(code, body.getString("error"), what);
    assertTrue(body.getString("message", "").length() > 10, what);
    c.close().await();
  }
}
