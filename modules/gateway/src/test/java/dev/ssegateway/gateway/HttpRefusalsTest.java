package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal, including those Vert.x and vertx-web make before any handler of ours, is a JSON error body. */
@ExtendWith(VertxExtension.class)
class HttpRefusalsTest {

  /** A publish route shaped like the app's ingest ({@code POST /publish/:topic}). */
  private static final Routes PUBLISH = router -> router.post("/publish/:topic")
      .handler(ctx -> ctx.response().setStatusCode(202).end());

  private static int deploy(Vertx vertx, JsonObject settings) {
    return Gateway.deploy(vertx, TestSettings.of(settings), "n", List.of(PUBLISH)).await().port();
  }

  private static RawHttp.Reply send(int port, String request, boolean awaitClose) throws Exception {
    return RawHttp.exchange(port, request, awaitClose);
  }

  private static void assertJsonError(RawHttp.Reply reply, int status, String code) {
    assertEquals(status, reply.status(), reply.head() + reply.body());
    assertTrue(reply.header("Content-Type").startsWith("application/json"), reply.head());
    JsonObject body = reply.json();
    assertEquals(code, body.getString("error"), reply.body());
    assertTrue(body.getString("message").length() > 10, reply.body());
  }

  @Test
  void unknownPathsAndMethodsGetJson404And405(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject());
    assertJsonError(send(port, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", false), 404, "not_found");
    assertJsonError(send(port, "GET /publish/ HTTP/1.1\r\nHost: a\r\n\r\n", false), 404, "not_found");
    assertJsonError(send(port, "POST /publish/ HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false), 405,
        "method_not_allowed");
    assertJsonError(send(port, "POST /publish/%2e%2e HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false), 405,
        "method_not_allowed");
    assertJsonError(send(port, "BREW /events HTTP/1.1\r\nHost: a\r\n\r\n", false), 405, "method_not_allowed");
  }

  @Test
  void badPercentEncodingAndAMissingHostGetJson400(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject());
    assertJsonError(send(port, "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", false), 400, "bad_encoding");
    assertJsonError(send(port, "GET /events?topic=%zz HTTP/1.1\r\nHost: a\r\n\r\n", false), 400, "bad_request");
    assertJsonError(send(port, "GET /health/live HTTP/1.1\r\n\r\n", false), 400, "missing_host");
  }

  @Test
  void aTooLongRequestLineGetsJson414AndTooLargeHeadersJson431(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject().put("limits.max_header_bytes", 2048));
    int line = GatewayVerticle.maxRequestLineBytes(TestSettings.of());
    RawHttp.Reply longLine = send(port, "GET /" + "a".repeat(line) + " HTTP/1.1\r\nHost: a\r\n\r\n", true);
    assertJsonError(longLine, 414, "uri_too_long");
    assertTrue(longLine.closed(), "connection closed after 414");
    RawHttp.Reply bigHeaders = send(port, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "v".repeat(4000) + "\r\n\r\n", true);
    assertJsonError(bigHeaders, 431, "headers_too_large");
    assertTrue(bigHeaders.closed(), "connection closed after 431");
  }

  @Test
  void theLargestStreamRequestWithinTheDocumentedLimitsIsNeverRefused414(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject());
    StringJoiner query = new StringJoiner("&", "/events?", "");
    for (int i = 0; i < 32; i++) { // limits.max_topics_per_connection, 128 characters each, ':' percent-encoded
      String topic = String.format("t%03d", i) + "%3A" + "x".repeat(128 - 5);
      query.add("topic=" + topic);
    }
    StringJoiner cursor = new StringJoiner("%2C"); // origin:seq pairs, ':' and ',' percent-encoded as browsers do
    int decoded = -1;
    for (int i = 0; decoded + 8 <= dev.ssegateway.core.Cursor.MAX_TEXT_LENGTH; i++) {
      cursor.add(String.format("o%04d%%3A1", i));
      decoded += 8;
    }
    query.add("lastEventId=" + cursor);
    String request = "GET " + query + " HTTP/1.1\r\nHost: a\r\n\r\n";
    // Vert.x's default request line limit is 4096 bytes
    assertTrue(request.length() > 10_000, "the request line is " + request.length() + " bytes");
    RawHttp.Reply reply = send(port, request, false);
    assertNotEquals(414, reply.status(), reply.head() + reply.body());
    assertTrue(reply.status() == 200 || reply.status() == 400, reply.head());
    if (reply.status() == 400) { // a cursor refused by the handler, not by the decoder
      assertEquals("invalid_last_event_id", reply.json().getString("error"), reply.body());
    }
  }

  @Test
  void aCorsRefusalIsJson403(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject().put("cors.allowed_origins", "https://app.example.com"));
    RawHttp.Reply reply = send(port, "OPTIONS /events HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n"
        + "Access-Control-Request-Method: GET\r\n\r\n", false);
    assertJsonError(reply, 403, "forbidden");
    assertTrue(reply.json().getString("message").contains("https://evil.example"), reply.body());
  }

  @Test
  void refusalsAClientCanRepeatAreLoggedAtMostOncePerWindow(Vertx vertx) throws Exception {
    int port = deploy(vertx, new JsonObject());
    try (LogCapture log = LogCapture.of(HttpRefusals.class);
         LogCapture router = LogCapture.of(io.vertx.ext.web.RoutingContext.class)) {
      for (int i = 0; i < 30; i++) {
        assertEquals(400, send(port, "GET /health/live HTTP/1.1\r\n\r\n", false).status());
        assertEquals(400, send(port, "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", false).status());
      }
      assertEquals(1, log.containing("missing_host").size(), log.lines().toString());
      assertEquals(1, log.containing("bad_encoding").size(), log.lines().toString());
      assertEquals(List.of(), router.lines(), "vertx-web logs nothing of its own for them");
    }
  }
}
