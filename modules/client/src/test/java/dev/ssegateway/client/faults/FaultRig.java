package dev.ssegateway.client.faults;

import dev.ssegateway.client.ConnectionState;
import dev.ssegateway.client.SseClient;
import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.SseEvent;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The pieces the in-JVM fault tests share: a gateway with a publisher whose event data is a counter,
 * a Java client whose every event goes into a {@link DeliveryLedger} and whose state changes are kept
 * with their time, and bounded waits from the test thread.
 */
final class FaultRig {

  static final String ORIGIN = "faultpub";
  static final String TOPIC = "faults";

  private FaultRig() {
  }

  static Gateway gateway(Vertx vertx, JsonObject overrides) throws Exception {
    EventPublisher.install(vertx, ORIGIN);
    return Gateway.deploy(vertx, TestSettings.of(overrides), "node1", List.of()).await(30, TimeUnit.SECONDS);
  }

  /** Publishes counters 1, 2, 3, ... in order; {@link #published()} is the last one accepted. */
  static final class CounterPublisher {
    private final EventPublisher publisher;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();

    CounterPublisher(Vertx vertx) {
      this.publisher = EventPublisher.install(vertx, ORIGIN);
    }

    Future<String> publish() {
      long n = next.incrementAndGet();
      return publisher.publish(TOPIC, "message", Long.toString(n)).onSuccess(id -> accepted.accumulateAndGet(n, Math::max));
    }

    long published() {
      return next.get();
    }

    long accepted() {
      return accepted.get();
    }
  }

  /** A state change of a client and when it happened. */
  record StateAt(long nanos, ConnectionState state) {
  }

  /** One Java client with its ledger and its state history. */
  static final class TracedClient {
    final SseClient client;
    final DeliveryLedger ledger = new DeliveryLedger(ORIGIN);
    final List<StateAt> states = new CopyOnWriteArrayList<>();
    volatile long heartbeats;
    private long lastFrameNanos;
    private volatile long maxFrameGapMs;

    TracedClient(Vertx vertx, SseClientOptions options) {
      client = SseClient.create(vertx, options.setDeliverControlEvents(true));
      client.handler(this::onEvent).stateHandler(s -> states.add(new StateAt(System.nanoTime(), s)));
    }

    private void onEvent(SseEvent e) {
      long now = System.nanoTime();
      if (lastFrameNanos != 0) {
        maxFrameGapMs = Math.max(maxFrameGapMs, (now - lastFrameNanos) / 1_000_000);
      }
      lastFrameNanos = now;
      if (e.isLoss()) {
        ledger.loss(e.type(), e.data());
      } else if ("heartbeat".equals(e.type())) {
        heartbeats++;
      } else if ("message".equals(e.type())) {
        ledger.record(e.id(), e.data());
      }
    }

    TracedClient start() {
      client.start();
      return this;
    }

    List<StateAt> reconnects() {
      return states.stream().filter(s -> s.state() instanceof ConnectionState.Reconnecting).toList();
    }

    long connects() {
      return states.stream().filter(s -> s.state() instanceof ConnectionState.Connected).count();
    }

    boolean connected() {
      return client.state() instanceof ConnectionState.Connected;
    }

    /** Longest silence between two frames (heartbeats included) the application saw. */
    long maxFrameGapMs() {
      return maxFrameGapMs;
    }

    void close() throws Exception {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Waits (polling, bounded) until {@code condition} holds; fails with {@code what} after {@code timeoutMs}. */
  static void until(Vertx vertx, BooleanSupplier condition, long timeoutMs, Supplier<String> what) throws Exception {
    Await.until(vertx, condition, timeoutMs, what).await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
  }

  /** Lets {@code ms} pass on the Vert.x clock: an observation window, not a wait for an event. */
  static void observe(Vertx vertx, long ms) throws Exception {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    p.future().await(ms + 10_000, TimeUnit.MILLISECONDS);
  }

  static long ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }
}
