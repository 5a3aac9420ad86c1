package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A renewed certificate is loaded without a restart: with 100 TLS streams open, the pair in {@code tls.cert_file} /
 * {@code tls.key_file} is replaced on disk; no stream drops, and a new connection sees the new serial. A broken pair
 * (a key that is not PEM, a key of another certificate) is refused naming the file, and the pair in use stays.
 * Certificates are made by the test ({@link SelfSignedCertificate}).
 */
@ExtendWith(VertxExtension.class)
class CertificateRenewalTest {

  private static final int STREAMS = 100;

  @TempDir
  Path dir;

  private record Pem(String cert, String key, String serial) {
    static Pem create() throws Exception {
      SelfSignedCertificate generated = SelfSignedCertificate.create("localhost");
      String cert = Files.readString(Path.of(generated.certificatePath()));
      String key = Files.readString(Path.of(generated.privateKeyPath()));
      generated.delete();
      return new Pem(cert, key, CertificateReload.leaf(Buffer.buffer(cert)).getSerialNumber().toString(16));
    }
  }

  /** Replaces {@code file} at once (a rename over it, as certbot and cert-manager do). */
  private void replace(Path file, String content) throws Exception {
    Path tmp = Files.createTempFile(dir, "new", ".pem");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Serial (hex) of the certificate a new TLS connection is served. */
  private static String servedSerial(Vertx vertx, int port, PemTrustOptions trust) throws Exception {
    HttpClient probe = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setTrustOptions(trust).setKeepAlive(false));
    try {
      return probe.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI("/health/live"))
          .compose(req -> req.send())
          .compose(resp -> {
            try {
              return Future.succeededFuture(((X509Certificate) resp.request().connection().peerCertificates().get(0))
                  .getSerialNumber().toString(16));
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
              return Future.failedFuture(e);
            }
          })
          .await(30, TimeUnit.SECONDS);
    } finally {
      probe.close();
    }
  }

  /** Polls {@code condition} from the test thread every 50 ms, failing after 30 s. */
  private static void until(Vertx vertx, BooleanSupplier condition, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
      Promise<Void> tick = Promise.promise();
      vertx.setTimer(50, id -> tick.complete());
      tick.future().await(10, TimeUnit.SECONDS);
    }
  }

  private static String unchecked(ThrowingSupplier s) {
    try {
      return s.get();
    } catch (Exception e) {
      return "error: " + e;
    }
  }

  private interface ThrowingSupplier {
    String get() throws Exception;
  }

  @Test
  void aRenewedPairIsServedToNewConnectionsWhileOpenStreamsKeepRunning(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    Pem first = Pem.create();
    Pem second = Pem.create();
    assertNotEquals(first.serial(), second.serial());
    Path certFile = dir.resolve("fullchain.pem");
    Path keyFile = dir.resolve("privkey.pem");
    Files.writeString(certFile, first.cert());
    Files.writeString(keyFile, first.key());
    TestOrigin origin = new TestOrigin(vertx, "tls-pub");
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("tls.cert_file", certFile.toString())
        .put("tls.key_file", keyFile.toString()).put("tls.watch_ms", 200)
        .put("limits.request_timeout_ms", 60_000)), "tls-node").await(20, TimeUnit.SECONDS);
    PemTrustOptions trust = new PemTrustOptions().addCertValue(Buffer.buffer(first.cert()))
        .addCertValue(Buffer.buffer(second.cert()));
    assertEquals(first.serial(), servedSerial(vertx, g.port(), trust));

    HttpClient https = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setTrustOptions(trust), new PoolOptions().setHttp1MaxSize(STREAMS + 10));
    // opened 20 at a time: 100 TLS handshakes at once can outlast the handshake timeout on a loaded 2-core machine
    List<SseTestClient> streams = new ArrayList<>();
    for (int batch = 0; batch < STREAMS / 20; batch++) {
      List<Future<SseTestClient>> opening = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        opening.add(SseTestClient.open(https, g.port(), "/events?topic=a"));
      }
      streams.addAll(Future.all(opening).map(all -> all.<SseTestClient>list()).await(60, TimeUnit.SECONDS));
    }
    for (SseTestClient s : streams) {
      s.awaitType("hello", 1).await(10, TimeUnit.SECONDS);
    }

    // renewal: the key, then the certificate, each renamed over the old file
    long swapped = System.currentTimeMillis();
    replace(keyFile, second.key());
    replace(certFile, second.cert());
    until(vertx, () -> second.serial().equals(unchecked(() -> servedSerial(vertx, g.port(), trust))),
        "a new connection served the new certificate");
    System.out.println("tls: new serial served " + (System.currentTimeMillis() - swapped) + " ms after the swap "
        + "(watch 200 ms)");
    origin.publish("a", "m", "after-renewal");
    for (SseTestClient s : streams) {
      s.awaitType("m", 1).await(10, TimeUnit.SECONDS);
    }
    assertEquals(0, streams.stream().filter(SseTestClient::isEnded).count(), "no stream dropped");
    assertEquals(STREAMS, g.stats().openStreams());
    assertEquals(first.serial(), ((X509Certificate) streams.get(0).response().request().connection()
        .peerCertificates().get(0)).getSerialNumber().toString(16), "open streams keep their connection");

    // a key that is not PEM: refused naming the key file, the second pair stays
    replace(keyFile, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    CertificateReload reload = g.certificates();
    until(vertx, () -> reload.lastRefusal() != null, "the broken key refused");
    assertTrue(reload.lastRefusal().contains("file=" + keyFile), reload.lastRefusal());
    assertEquals(second.serial(), servedSerial(vertx, g.port(), trust));
    // a key of another certificate: refused too
    replace(keyFile, first.key());
    until(vertx, () -> reload.lastRefusal() != null && reload.lastRefusal().contains("does not belong"),
        "a key of another certificate refused");
    assertEquals(second.serial(), servedSerial(vertx, g.port(), trust));
    assertEquals(0, streams.stream().filter(SseTestClient::isEnded).count(), "no stream dropped");
    // fixed: the matching certificate follows, and the pair is taken
    replace(certFile, first.cert());
    until(vertx, () -> first.serial().equals(unchecked(() -> servedSerial(vertx, g.port(), trust))),
        "the fixed pair served");
    String metrics = g.metrics().scrape();
    assertTrue(metrics.contains("sse_tls_reloads_total{result=\"loaded\"} " + reload.reloads() + ".0")
        && reload.reloads() >= 2, metrics);
    assertTrue(reload.refusals() >= 2 && metrics.contains("sse_tls_reloads_total{result=\"refused\"}"), metrics);
    ctx.completeNow();
  }
}
