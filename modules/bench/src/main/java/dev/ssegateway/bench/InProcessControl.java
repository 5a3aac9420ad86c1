package dev.ssegateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/** The driver's side of {@link InProcessPublisher}: the same {@link LoadPublisher} calls, over its control port. */
final class InProcessControl implements LoadPublisher {

  private final HttpClient client;
  private final int port;
  private final String topic;
  private final int payloadBytes;
  private JsonObject last = new JsonObject().put("next", 1L).put("failures", 0L);

  InProcessControl(Vertx vertx, int port, String topic, int payloadBytes) {
    this.client = vertx.createHttpClient();
    this.port = port;
    this.topic = topic;
    this.payloadBytes = payloadBytes;
  }

  private JsonObject call(HttpMethod method, String uri) {
    try {
      last = client.request(method, port, "127.0.0.1", uri)
          // body() right in the listener of send(): a listener one composition further may run after a small
          // answer has ended, and its body never completes (the ramp stopped on a 10 s timeout at 243 events/s)
          .compose(req -> req.send().compose(resp -> resp.body()))
          .map(b -> b.toJsonObject())
          .await(10, TimeUnit.SECONDS);
      return last;
    } catch (Exception e) {
      throw new IllegalStateException("in-process publisher control on port " + port + ": " + e, e);
    }
  }

  @Override
  public long start(double eventsPerSecond) {
    return call(HttpMethod.POST, "/start?topic=" + topic + "&rate=" + eventsPerSecond + "&payload=" + payloadBytes)
        .getLong("first");
  }

  @Override
  public double stop() {
    return call(HttpMethod.POST, "/stop").getDouble("achieved");
  }

  @Override
  public long nextSeq() {
    return call(HttpMethod.GET, "/seq").getLong("next");
  }

  @Override
  public long lastSeq() {
    return call(HttpMethod.GET, "/seq").getLong("next") - 1;
  }

  @Override
  public Histogram roundTrips() {
    return new Histogram(3);
  }

  @Override
  public long failures() {
    return last.getLong("failures", 0L);
  }

  @Override
  public String lastFailure() {
    return last.getString("lastFailure");
  }

  @Override
  public void close() {
    client.close();
  }
}
