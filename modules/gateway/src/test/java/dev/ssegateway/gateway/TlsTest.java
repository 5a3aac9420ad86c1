package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS from the PEM files in {@code tls.cert_file} / {@code tls.key_file}. The self-signed pair under
 * src/test/resources/tls was generated once with
 * {@code openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 36500 -subj /CN=localhost
 * -addext subjectAltName=IP:127.0.0.1,DNS:localhost}.
 */
@ExtendWith(VertxExtension.class)
class TlsTest {

  private static final String CERT = Path.of("src/test/resources/tls/cert.pem").toAbsolutePath().toString();
  private static final String KEY = Path.of("src/test/resources/tls/key.pem").toAbsolutePath().toString();

  @Test
  void streamsAreServedOverHttpsAndPlainHttpIsNot(Vertx vertx, VertxTestContext ctx) throws Exception {
    TestOrigin origin = new TestOrigin(vertx, "tls-pub");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("tls.cert_file", CERT)
        .put("tls.key_file", KEY)), "tls-node").await(20, TimeUnit.SECONDS);
    HttpClient https = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(CERT)));
    SseTestClient stream = SseTestClient.open(https, g.port(), "/events?topic=a").await(10, TimeUnit.SECONDS);
    stream.awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    assertTrue(stream.response().request().connection().isSsl());
    // live events leave below the HTTP encoder (shared chunks): they must still go through TLS
    String big = "x".repeat(20_000);
    origin.publish("a", "m", "one");
    origin.publish("a", "m", big);
    origin.publish("a", "m", "three");
    List<SseFrame> events = stream.awaitType("m", 3).await(10, TimeUnit.SECONDS);
    assertEquals(List.of("one", big, "three"), events.stream().filter(f -> "m".equals(f.type()))
        .map(SseFrame::data).toList());

    // held until the answer: Vert.x 5 closes a client nobody references when it is collected ("Pool closed")
    HttpClient plainClient = vertx.createHttpClient();
    Throwable plain = plainClient.request(new RequestOptions().setMethod(HttpMethod.GET)
            .setHost("127.0.0.1").setPort(g.port()).setURI("/events?topic=a"))
        .compose(r -> r.send())
        .map(r -> (Throwable) null)
        .otherwise(e -> e)
        .await(10, TimeUnit.SECONDS);
    assertTrue(plain != null, "plain HTTP on the TLS port must fail");
    plainClient.close();
    ctx.completeNow();
  }

  @Test
  void aCertWithoutAKeyFailsTheDeploymentNamingBothKeys(Vertx vertx, VertxTestContext ctx) {
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("tls.cert_file", CERT)), "n")
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("tls.cert_file and tls.key_file"), e.getMessage());
          ctx.completeNow();
        })));
  }

  @Test
  void anUnreadableKeyFailsTheDeployment(Vertx vertx, VertxTestContext ctx) {
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("tls.cert_file", CERT)
        .put("tls.key_file", "/nonexistent/key.pem")), "n")
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals(false, e.getMessage() == null);
          ctx.completeNow();
        })));
  }
}
