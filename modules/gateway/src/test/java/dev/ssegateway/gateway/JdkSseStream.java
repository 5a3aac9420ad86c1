package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import io.vertx.core.buffer.Buffer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An SSE stream read by the JDK's {@code java.net.http.HttpClient} (a client nobody here wrote): HTTP/2 over TLS
 * by ALPN, or over cleartext by its {@code Upgrade: h2c}. Frames are parsed with the project's parser as bytes
 * arrive; tests read them with {@link #frames()}.
 */
final class JdkSseStream {

  private final List<SseFrame> frames = new ArrayList<>();
  private final SseParser parser = new SseParser(this::add, c -> { }, 1 << 20);
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private volatile HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;

  private JdkSseStream() {
  }

  /** An HTTP/2 client that trusts the PEM certificate {@code certPem} (null: cleartext only). */
  static HttpClient client(String certPem) throws Exception {
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(10));
    if (certPem != null) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(Path.of(certPem))) {
        trust.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      builder.sslContext(ssl);
    }
    return builder.build();
  }

  /** Opens {@code uri} with {@code headers} (name, value, ...); completes once the response head arrived. */
  static JdkSseStream open(HttpClient client, String uri, String... headers) throws Exception {
    JdkSseStream stream = new JdkSseStream();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).header("Accept", "text/event-stream");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    stream.response = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofPublisher())
        .get(15, TimeUnit.SECONDS);
    stream.response.body().subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(List<ByteBuffer> item) {
        for (ByteBuffer b : item) {
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          stream.chunk(bytes);
        }
      }

      @Override
      public void onError(Throwable throwable) {
        stream.ended.complete(null);
      }

      @Override
      public void onComplete() {
        stream.ended.complete(null);
      }
    });
    return stream;
  }

  private synchronized void chunk(byte[] bytes) {
    parser.feed(Buffer.buffer(bytes));
  }

  private void add(SseFrame frame) {
    frames.add(frame); // called under the lock of chunk()
  }

  HttpResponse<Flow.Publisher<List<ByteBuffer>>> response() {
    return response;
  }

  synchronized List<SseFrame> frames() {
    return List.copyOf(frames);
  }

  synchronized List<SseFrame> framesOf(String type) {
    return frames.stream().filter(f -> type.equals(f.type())).toList();
  }

  boolean isEnded() {
    return ended.isDone();
  }
}
