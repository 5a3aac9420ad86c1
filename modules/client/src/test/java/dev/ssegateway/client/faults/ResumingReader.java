package dev.ssegateway.client.faults;

import dev.ssegateway.client.Backoff;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A light reconnecting SSE reader for tests that need thousands of streams in one JVM: one shared
 * {@link HttpClient}, the client module's {@link Backoff} (base from the server's {@code retry:},
 * +/-25 % jitter, reset by any frame) and {@code Last-Event-ID} resume, as {@code SseClient} does, but
 * no stall detector and no queue. Its connection can be cut from outside ({@link #cut()}) to simulate a
 * network drop. Runs on one context; counters are volatile for the test thread.
 */
final class ResumingReader {

  private final Vertx vertx;
  private final Context context;
  private final HttpClient http;
  private final int port;
  private final String uri;
  private final Backoff backoff = new Backoff(500, 30_000, 0.25, () -> ThreadLocalRandom.current().nextDouble());
  final DeliveryLedger ledger = new DeliveryLedger(FaultRig.ORIGIN);

  private String lastId;
  private long generation;
  private HttpConnection connection;
  private long droppedAtNanos;
  private boolean cutting;
  volatile boolean closed;
  /** Streams opened (hello received). */
  volatile int streams;
  /** Connection attempts, the first one included. */
  volatile int attempts;
  /** After the last {@link #cut()}: delay the backoff chose for the first retry, and when the hello came back. */
  volatile long firstRetryDelayMs = -1;
  volatile long backNanos;

  ResumingReader(Vertx vertx, Context context, HttpClient http, int port, String topic) {
    this.vertx = vertx;
    this.context = context;
    this.http = http;
    this.port = port;
    this.uri = "/events?topic=" + topic;
  }

  void start() {
    context.runOnContext(v -> connect());
  }

  /** Closes the TCP connection under the stream, as a network drop does; the reader comes back by itself. */
  void cut() {
    context.runOnContext(v -> {
      if (connection != null) {
        cutting = true;
        firstRetryDelayMs = -1;
        backNanos = 0;
        connection.close();
      }
    });
  }

  void close() {
    context.runOnContext(v -> {
      closed = true;
      generation++;
      if (connection != null) {
        connection.close();
      }
    });
  }

  boolean back() {
    return backNanos != 0;
  }

  private void connect() {
    if (closed) {
      return;
    }
    long gen = ++generation;
    attempts++;
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri).putHeader("Accept", "text/event-stream");
    if (lastId != null && !lastId.isEmpty()) {
      ro.putHeader("Last-Event-ID", lastId);
    }
    http.request(ro)
        .compose(req -> {
          connection = req.connection();
          connection.closeHandler(x -> dropped(gen));
          return req.send();
        })
        .onComplete(ar -> {
          if (gen != generation) {
            return;
          }
          if (ar.failed() || ar.result().statusCode() != 200) {
            dropped(gen);
            return;
          }
          SseParser parser = new SseParser(f -> onFrame(gen, f), c -> { }, 1 << 20);
          parser.lastId(lastId == null ? "" : lastId);
          ar.result().handler(parser::feed);
          ar.result().endHandler(x -> dropped(gen));
          ar.result().exceptionHandler(t -> dropped(gen));
        });
  }

  private void dropped(long gen) {
    if (gen != generation || closed) {
      return;
    }
    generation++;
    if (connection != null) {
      connection.close();
      connection = null;
    }
    long delay = backoff.nextDelayMs();
    if (cutting) {
      cutting = false;
      droppedAtNanos = System.nanoTime();
      firstRetryDelayMs = delay;
    }
    vertx.setTimer(delay, id -> connect());
  }

  private void onFrame(long gen, SseFrame f) {
    if (gen != generation) {
      return;
    }
    backoff.reset();
    if (f.retry() > 0) {
      backoff.base(f.retry());
    }
    lastId = f.id();
    switch (f.type()) {
      case "hello" -> {
        streams++;
        if (droppedAtNanos != 0 && backNanos == 0) {
          backNanos = System.nanoTime();
        }
      }
      case "message" -> ledger.record(f.id(), f.data());
      case "reset", "dropped" -> ledger.loss(f.type(), f.data());
      default -> { }
    }
  }

  long droppedAtNanos() {
    return droppedAtNanos;
  }
}
