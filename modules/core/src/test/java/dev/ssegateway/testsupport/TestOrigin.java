package dev.ssegateway.testsupport;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Event;
import io.vertx.core.Vertx;

/**
 * A stand-in for a publishing node in tests: puts events with its own origin name and contiguous
 * sequence numbers on the bus, as {@code EventPublisher} does, from the calling thread. Lets a test
 * interleave several origins in one JVM.
 */
public final class TestOrigin {

  private final Vertx vertx;
  private final String origin;
  private long seq;

  public TestOrigin(Vertx vertx, String origin, long firstSeq) {
    this.vertx = vertx;
    this.origin = origin;
    this.seq = firstSeq - 1;
  }

  public TestOrigin(Vertx vertx, String origin) {
    this(vertx, origin, 1);
  }

  /** Publishes and returns the event's seq. */
  public synchronized long publish(String topic, String type, String data) {
    Event e = new Event(topic, type, data, origin, ++seq, System.currentTimeMillis());
    vertx.eventBus().publish(BusAddresses.EVENTS, e.toBus());
    return seq;
  }

  public long publish(String topic, String data) {
    return publish(topic, "message", data);
  }

  /** Skips {@code n} sequence numbers, as if events had been published that never reached this node. */
  public synchronized void skip(long n) {
    seq += n;
  }

  public String origin() {
    return origin;
  }

  public long lastSeq() {
    return seq;
  }
}
