package dev.ssegateway.testkit;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An open SSE stream of a test ({@link TestGateway#stream}): every frame received, and futures that complete when an
 * event arrives or fail at a deadline naming what was awaited and what arrived. Backed by the project's
 * {@code SseTestClient}; callbacks run on the context that opened the stream.
 */
public final class TestStream {

  private final SseTestClient client;
  /** Events of each type already handed out by {@link #next}, keyed by type. */
  private final java.util.Map<String, Integer> taken = new java.util.HashMap<>();

  private TestStream(SseTestClient client) {
    this.client = client;
  }

  static Future<TestStream> opened(SseTestClient client) {
    return client.awaitType(WireNames.HELLO, 1).map(hello -> new TestStream(client));
  }

  /**
   * The next event of {@code type} (the first not handed out by an earlier call for that type): its type, data and
   * id. Fails after {@code deadline}, naming the type and the events received.
   */
  public synchronized Future<SseFrame> next(String type, Duration deadline) {
    int index = taken.merge(type, 1, Integer::sum);
    return deadline(client.awaitType(type, index), deadline, "event " + index + " of type '" + type + "'")
        .map(frames -> client.framesOf(type).get(index - 1));
  }

  /** The first {@code n} events of {@code type}, once they arrived; fails after {@code deadline}. */
  public Future<List<SseFrame>> await(String type, int n, Duration deadline) {
    return deadline(client.awaitType(type, n), deadline, n + " events of type '" + type + "'")
        .map(frames -> client.framesOf(type).subList(0, n));
  }

  /**
   * The frames received once {@code condition} holds for them (checked at each frame); fails after {@code deadline},
   * naming {@code what} was awaited and the frames received.
   */
  public Future<List<SseFrame>> await(java.util.function.Predicate<List<SseFrame>> condition, Duration deadline,
                                      String what) {
    return deadline(client.await(condition), deadline, what);
  }

  private Future<List<SseFrame>> deadline(Future<List<SseFrame>> wait, Duration deadline, String what) {
    return wait.timeout(deadline.toMillis(), TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(
        new AssertionError("no " + what + " within " + deadline.toMillis() + " ms; received: " + client.frames(), e)));
  }

  /** Every frame received so far, the {@code hello} first. */
  public List<SseFrame> frames() {
    return client.frames();
  }

  /** The events of {@code type} received so far. */
  public List<SseFrame> events(String type) {
    return client.framesOf(type);
  }

  /** The id of the last event received: what a reconnect sends as {@code Last-Event-ID}. */
  public String lastId() {
    return client.lastId();
  }

  public Future<Void> close() {
    return client.close();
  }
}
