package dev.ssegateway.bench;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes numbered events over HTTP at a steady rate: event {@code s} carries {@code s=<seq> t=<epoch
 * micros at send>} padded to the payload size. Seqs continue across {@link #start}/{@link #stop}, so one
 * stream that was open from the start should receive 1..{@link #lastSeq()} exactly once. At most
 * {@code maxInFlight} requests are outstanding; when that bounds it, it falls behind the rate and says so.
 */
final class RatePublisher implements LoadPublisher {

  private final Vertx vertx;
  private final Target target;
  private final String path;
  private final int payloadBytes;
  private final HttpClient client;
  private final Context context;
  private final int maxInFlight = 128;
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  /** Set on the publisher's context by {@link #stop()}; completed when the last request is answered. */
  private Promise<Void> drained;
  private volatile long nextSeq = 1;
  private long timer = -1;
  private long startNanos;
  private long sentThisRun;
  private double rate;
  private volatile String lastFailure;
  private final org.HdrHistogram.Recorder roundTripMicros = new org.HdrHistogram.Recorder(3);

  RatePublisher(Vertx vertx, Target target, String topic, int payloadBytes) {
    this(vertx, target, topic, payloadBytes, false);
  }

  /** With {@code tls}: publishes over HTTPS (HTTP/1.1), trusting any certificate (the bench's self-signed one). */
  RatePublisher(Vertx vertx, Target target, String topic, int payloadBytes, boolean tls) {
    this.vertx = vertx;
    this.target = target;
    this.path = target.publishPath(topic);
    this.payloadBytes = payloadBytes;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setSsl(tls).setTrustAll(tls).setVerifyHost(false)
        .setDefaultHost(target.host()).setDefaultPort(target.port()), new PoolOptions().setHttp1MaxSize(16));
    this.context = vertx.getOrCreateContext();
  }

  /** Starts publishing {@code eventsPerSecond}; returns the first seq it will publish. */
  @Override
  public long start(double eventsPerSecond) {
    CompletableFuture<Long> first = new CompletableFuture<>();
    context.runOnContext(v -> {
      rate = eventsPerSecond;
      startNanos = System.nanoTime();
      sentThisRun = 0;
      first.complete(nextSeq);
      timer = vertx.setPeriodic(1, id -> tick());
    });
    return first.join();
  }

  private void tick() {
    long due = (long) ((System.nanoTime() - startNanos) / 1e9 * rate);
    while (sentThisRun < due && inFlight.get() < maxInFlight) {
      send(nextSeq++);
      sentThisRun++;
    }
  }

  private void send(long seq) {
    StringBuilder b = new StringBuilder(payloadBytes + 8).append("s=").append(seq).append(" t=")
        .append(EpochMicros.now()).append(' ');
    while (b.length() < payloadBytes) {
      b.append('x');
    }
    inFlight.incrementAndGet();
    long sentAt = EpochMicros.now();
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
            .putHeader("Content-Type", "text/plain"))
        // body() in the listener of send() itself, not one composition further (a small answer may have ended by then)
        .compose(req -> req.send(Buffer.buffer(b.toString())).compose(resp -> resp.body().map(body -> {
          if (resp.statusCode() / 100 != 2) {
            failures.incrementAndGet();
            lastFailure = resp.statusCode() + " " + body;
          }
          return null;
        })))
        .onComplete(ar -> {
          if (ar.failed()) {
            failures.incrementAndGet();
            lastFailure = ar.cause().toString();
          }
          roundTripMicros.recordValue(Math.max(0, EpochMicros.now() - sentAt));
          if (inFlight.decrementAndGet() == 0 && drained != null) {
            drained.tryComplete();
          }
        });
  }

  /**
   * Stops and waits for every outstanding request; returns the achieved rate of this run (events/s).
   */
  @Override
  public double stop() {
    CompletableFuture<Double> achieved = new CompletableFuture<>();
    Promise<Void> allAnswered = Promise.promise();
    context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      drained = allAnswered;
      if (inFlight.get() == 0) {
        allAnswered.tryComplete();
      }
      achieved.complete(sentThisRun / ((System.nanoTime() - startNanos) / 1e9));
    });
    double r = achieved.join();
    try {
      allAnswered.future().await(15, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // reported through inFlight/failures by the caller; the run goes on
    }
    return r;
  }

  /** The seq the next event will carry. */
  @Override
  public long nextSeq() {
    return nextSeq;
  }

  /** Publish request round trips since the last call, in microseconds. */
  @Override
  public org.HdrHistogram.Histogram roundTrips() {
    return roundTripMicros.getIntervalHistogram();
  }

  @Override
  public long lastSeq() {
    return nextSeq - 1;
  }

  @Override
  public long failures() {
    return failures.get();
  }

  @Override
  public String lastFailure() {
    return lastFailure;
  }

  @Override
  public void close() {
    client.close();
  }
}
