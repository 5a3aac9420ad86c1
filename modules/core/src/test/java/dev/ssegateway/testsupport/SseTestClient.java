package dev.ssegateway.testsupport;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads one SSE stream in a test: every frame with its arrival time, parsed by the production
 * {@link SseParser}, and futures that complete when the frames seen so far satisfy a condition.
 * All callbacks run on the context that opened the stream.
 *
 * <p>A stream keeps the {@link HttpClient} it was opened with, from the request on: Vert.x 5 shuts a client down once
 * the client object is garbage collected (eclipse-vertx/vert.x#5577), so a test that holds only the stream, or the
 * future of its opening, would otherwise see "Pool closed" or "Connection was closed" after any GC.
 */
public final class SseTestClient {

  private record Waiter(Predicate<List<SseFrame>> condition, Promise<List<SseFrame>> promise) {
  }

  private final List<SseFrame> frames = new ArrayList<>();
  private final List<Long> arrivalsMs = new ArrayList<>();
  private final List<String> comments = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Void> ended = Promise.promise();
  /** Only held: the client stays reachable, and so open, as long as this stream is (see the class comment). */
  @SuppressWarnings("unused")
  private final HttpClient client;
  private HttpClientResponse response;
  /** The context the stream's handlers run on: frames and waiters are only touched there. */
  private io.vertx.core.Context context;

  private SseTestClient(HttpClient client) {
    this.client = client;
  }

  /** Opens {@code GET path} on 127.0.0.1:{@code port}; fails unless the answer is a 200 event stream. */
  public static Future<SseTestClient> open(HttpClient client, int port, String path, MultiMap headers) {
    if (io.vertx.core.Vertx.currentContext() == null && client instanceof io.vertx.core.internal.http.HttpClientInternal internal) {
      // Called from a test thread: build the request chain on a Vert.x context, so the stream's handlers are
      // set in the same event-loop turn as the response arrives (set later from another thread, the first
      // chunk, with the hello, could be delivered before them).
      Promise<SseTestClient> result = Promise.promise();
      internal.vertx().getOrCreateContext().runOnContext(v -> open(client, port, path, headers).onComplete(result));
      return result.future();
    }
    // captured by the request's callbacks below, the stream (and its client) stays reachable while the request waits
    SseTestClient stream = new SseTestClient(client);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(path);
    if (headers != null) {
      options.setHeaders(headers);
    }
    // the stream's handlers are set in the listener of send() itself: one composition further they could be set after
    // the first chunk (or a small error body) had been delivered
    return client.request(options)
        .compose(req -> req.send().compose(resp -> {
          if (resp.statusCode() != 200) {
            return resp.body().compose(b -> Future.failedFuture("status " + resp.statusCode() + ": " + b));
          }
          stream.attach(resp);
          return Future.succeededFuture(stream);
        }));
  }

  public static Future<SseTestClient> open(HttpClient client, int port, String path) {
    return open(client, port, path, null);
  }

  private void attach(HttpClientResponse resp) {
    this.response = resp;
    this.context = io.vertx.core.Vertx.currentContext();
    SseParser parser = new SseParser(this::onFrame, comments::add, 1 << 20);
    resp.handler(parser::feed);
    // When the test's Vert.x closes, drop this stream at once: the HTTP client's graceful shutdown would
    // otherwise wait (up to 30 s) for a response that only ends when the gateway, closing too, ends it.
    io.vertx.core.Context ctx = io.vertx.core.Vertx.currentContext();
    io.vertx.core.internal.VertxInternal owner = ctx == null ? null : (io.vertx.core.internal.VertxInternal) ctx.owner();
    io.vertx.core.Closeable hook = completion -> {
      try {
        resp.request().connection().close();
      } catch (RuntimeException ignored) {
        // already closed
      }
      completion.succeed();
    };
    if (owner != null) {
      owner.addCloseHook(hook);
    }
    Runnable done = () -> {
      ended.tryComplete();
      if (owner != null) {
        owner.removeCloseHook(hook);
      }
    };
    resp.endHandler(v -> done.run());
    resp.exceptionHandler(e -> done.run());
  }

  private void onFrame(SseFrame frame) {
    frames.add(frame);
    arrivalsMs.add(System.currentTimeMillis());
    for (Waiter w : new ArrayList<>(waiters)) {
      if (w.condition.test(frames)) {
        waiters.remove(w);
        w.promise.tryComplete(List.copyOf(frames));
      }
    }
  }

  /** Completes with all frames so far once {@code condition} holds for them. */
  public Future<List<SseFrame>> await(Predicate<List<SseFrame>> condition) {
    if (context != null && io.vertx.core.Vertx.currentContext() != context) {
      // from a test thread (or another context): checking here and adding the waiter could miss a frame that
      // arrives in between on the stream's context, and the wait would never end
      Promise<List<SseFrame>> p = Promise.promise();
      context.runOnContext(v -> await(condition).onComplete(p));
      return p.future();
    }
    if (condition.test(frames)) {
      return Future.succeededFuture(List.copyOf(frames));
    }
    Promise<List<SseFrame>> p = Promise.promise();
    waiters.add(new Waiter(condition, p));
    return p.future();
  }

  /** Completes once {@code n} frames of {@code type} have arrived. */
  public Future<List<SseFrame>> awaitType(String type, int n) {
    return await(fs -> count(fs, type) >= n);
  }

  public static long count(List<SseFrame> frames, String type) {
    return frames.stream().filter(f -> f.type().equals(type)).count();
  }

  public List<SseFrame> frames() {
    return frames;
  }

  public List<SseFrame> framesOf(String type) {
    return frames.stream().filter(f -> f.type().equals(type)).toList();
  }

  /** Arrival times (epoch ms) of the frames of {@code type}. */
  public List<Long> arrivalsOf(String type) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).type().equals(type)) {
        out.add(arrivalsMs.get(i));
      }
    }
    return out;
  }

  public List<String> comments() {
    return comments;
  }

  public HttpClientResponse response() {
    return response;
  }

  /** The last id received: what a reconnecting client sends as Last-Event-ID. */
  public String lastId() {
    return frames.isEmpty() ? "" : frames.get(frames.size() - 1).id();
  }

  /** Completes when the server ends the stream or the connection drops. */
  public Future<Void> ended() {
    return ended.future();
  }

  public boolean isEnded() {
    return ended.future().isComplete();
  }

  /** Closes the underlying connection, as a client that goes away does. */
  public Future<Void> close() {
    return response.request().connection().close();
  }
}
