package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request whose body framing a proxy could read differently is refused 400 with a JSON body and its connection
 * closed; nothing sent after it on that connection (a smuggled request) reaches a handler.
 */
@ExtendWith(VertxExtension.class)
class AmbiguousFramingTest {

  private static final String SMUGGLED = "POST /publish/smuggled HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";

  private static void assertRefused(Vertx vertx, String framingHeaders) throws Exception {
    AtomicInteger published = new AtomicInteger();
    Routes publish = router -> router.post("/publish/:topic").handler(ctx -> ctx.request().body().onSuccess(b -> {
      published.incrementAndGet();
      ctx.response().setStatusCode(202).end();
    }));
    int port = Gateway.deploy(vertx, TestSettings.of(), "n", List.of(publish)).await().port();
    String request = "POST /publish/a HTTP/1.1\r\nHost: a\r\n" + framingHeaders + "\r\n"
        + "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED;
    RawHttp.Reply reply = RawHttp.exchange(port, request, true);
    assertEquals(400, reply.status(), reply.head() + reply.body());
    assertEquals("ambiguous_framing", reply.json().getString("error"), reply.body());
    assertTrue(reply.closed(), "the connection is closed after the refusal");
    assertEquals(0, published.get(), "no request of that connection reached a handler");
  }

  @Test
  void chunkedFollowedByAnotherCodingIsRefused(Vertx vertx) throws Exception {
    assertRefused(vertx, "Transfer-Encoding: chunked, identity\r\n");
  }

  @Test
  void anUnknownCodingIsRefused(Vertx vertx) throws Exception {
    assertRefused(vertx, "Transfer-Encoding: xchunked\r\n");
  }

  @Test
  void twoTransferEncodingHeadersAreRefused(Vertx vertx) throws Exception {
    assertRefused(vertx, "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n");
  }

  @Test
  void contentLengthWithTransferEncodingIsRefused(Vertx vertx) throws Exception {
    assertRefused(vertx, "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n");
  }

  /** RFC 9112 section 3.2: a request with two Host headers is a 400; a proxy and the gateway could take either. */
  @Test
  void twoHostHeadersAreRefused(Vertx vertx) throws Exception {
    AtomicInteger published = new AtomicInteger();
    Routes publish = router -> router.post("/publish/:topic").handler(ctx -> ctx.request().body().onSuccess(b -> {
      published.incrementAndGet();
      ctx.response().setStatusCode(202).end();
    }));
    int port = Gateway.deploy(vertx, TestSettings.of(), "n", List.of(publish)).await().port();
    RawHttp.Reply reply = RawHttp.exchange(port, "POST /publish/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
        + "Content-Length: 5\r\n\r\nhello" + SMUGGLED, true);
    assertEquals(400, reply.status(), reply.head() + reply.body());
    assertEquals("ambiguous_host", reply.json().getString("error"), reply.body());
    assertTrue(reply.json().getString("message").contains("Host"), reply.body());
    assertTrue(reply.closed(), "the connection is closed after the refusal");
    assertEquals(0, published.get(), "no request of that connection reached a handler");
    RawHttp.Reply one = RawHttp.exchange(port, "POST /publish/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
        + "hello", false);
    assertEquals(202, one.status(), "one Host header is served: " + one.head() + one.body());
  }

  @Test
  void plainChunkedStillWorks(Vertx vertx) throws Exception {
    int port = Gateway.deploy(vertx, TestSettings.of(), "n", List.of(router -> router.post("/publish/:topic")
        .handler(ctx -> ctx.request().body().onSuccess(b -> ctx.response().setStatusCode(202).end(b.toString())))))
        .await().port();
    RawHttp.Reply reply = RawHttp.exchange(port, "POST /publish/a HTTP/1.1\r\nHost: a\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false);
    assertEquals(202, reply.status(), reply.head());
    assertEquals("hello", reply.body());
  }
}
