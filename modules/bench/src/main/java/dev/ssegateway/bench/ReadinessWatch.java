package dev.ssegateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Asks the gateway's {@code /health/ready} every {@code everyMs} while a scenario runs (one request at a
 * time, each with a 2 s deadline) and counts the answers that were not 200, the requests that failed or
 * timed out, and the slowest answer: "ready throughout" is zero of both.
 */
final class ReadinessWatch {

  private static final long DEADLINE_MS = 2000;

  private final Vertx vertx;
  private final HttpClient client;
  private final RequestOptions request;
  private final long everyMs;
  private volatile boolean stopped;
  private long probes;
  private long notReady;
  private long failed;
  private long slowestMs;
  private final io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();

  private ReadinessWatch(Vertx vertx, Target target, long everyMs) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    this.request = new RequestOptions().setMethod(HttpMethod.GET).setHost(target.host()).setPort(target.port())
        .setURI("/health/ready").setIdleTimeout(DEADLINE_MS).setConnectTimeout((int) DEADLINE_MS);
    this.everyMs = everyMs;
  }

  /** Starts watching; for a server without a readiness endpoint, returns null. */
  static ReadinessWatch start(Vertx vertx, Target target, long everyMs) {
    if (!Target.GATEWAY.equals(target.kind())) {
      return null;
    }
    ReadinessWatch w = new ReadinessWatch(vertx, target, everyMs);
    vertx.runOnContext(v -> w.probe());
    return w;
  }

  private void probe() {
    if (stopped) {
      done.tryComplete();
      return;
    }
    long t0 = System.nanoTime();
    // body() in the listener of send() itself: one composition further it may run after a small answer has ended,
    // and the read fails or never completes (as in InProcessControl)
    client.request(request).compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .onComplete(ar -> {
          long ms = (System.nanoTime() - t0) / 1_000_000;
          synchronized (this) {
            probes++;
            slowestMs = Math.max(slowestMs, ms);
            if (ar.failed()) {
              failed++;
            } else if (ar.result() != 200) {
              notReady++;
            }
          }
          vertx.setTimer(everyMs, t -> probe());
        });
  }

  /** Stops after the request in flight; the counts. */
  JsonObject stop() {
    stopped = true;
    done.future().await();
    client.close().await();
    synchronized (this) {
      return new JsonObject().put("probes", probes).put("notReady", notReady).put("failed", failed)
          .put("slowestMs", slowestMs);
    }
  }

  static String describe(JsonObject r) {
    return r == null ? "-" : r.getLong("probes") + " probes: " + r.getLong("notReady") + " not ready, "
        + r.getLong("failed") + " failed, slowest " + r.getLong("slowestMs") + " ms";
  }
}
