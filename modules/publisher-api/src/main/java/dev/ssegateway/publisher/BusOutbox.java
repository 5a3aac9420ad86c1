package dev.ssegateway.publisher;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The ordered way out of a publisher onto the event bus: events are put on the bus from one context, in the order
 * they were handed in, and an event whose clustered publish Vert.x broke off half-way is published again before
 * any later one.
 *
 * <p>Why: Vert.x 5.0.7's clustered {@code publish} writes to each member in turn and completes one shared write
 * promise. When a member has just died, a write to it can fail at once after another member's write succeeded;
 * completing the shared promise a second time throws {@code IllegalStateException("Promise already completed")} out
 * of that loop, and the members after the dead one in it never get the event. Publishing the same event again
 * (one loop turn later, when Vert.x has closed its connection to the dead member, which then fails quietly)
 * reaches them; the members that already had it drop the copy (a gateway drops an event whose per-origin seq it
 * has seen). Bounded: {@link #MAX_ATTEMPTS} attempts per event, then the event is given up with one error line, and
 * the members that missed it tell their streams with a {@code reset} (never silently). Any other failure of a
 * publish gives that event up at once, as a failed publish always did; the outbox never stalls.
 *
 * <p>Public for the gateway's own cluster messages (the config verticle's settings changes, which every member
 * applies idempotently); a publisher verticle uses {@link EventPublisher}, which publishes through one.
 */
public final class BusOutbox {

  /** Attempts per event whose publish Vert.x broke off (the first one included). */
  static final int MAX_ATTEMPTS = 6;
  /** Events put on the bus per loop turn before the context gets the loop back for its other tasks. */
  static final int MAX_PER_TURN = 256;

  private static final System.Logger LOG = System.getLogger(BusOutbox.class.getName());

  private final Vertx vertx;
  private final Context sender;
  private final Consumer<JsonObject> bus;
  private final ArrayDeque<JsonObject> queue = new ArrayDeque<>();
  /** Guarded by this: a drain is scheduled or running; whoever sets it schedules one. */
  private boolean draining;
  /** Attempts made for the event at the head of the queue; touched on the sender context only. */
  private int attempts;
  private volatile long republished;
  private volatile long givenUp;

  /** {@code bus} puts one event on the bus; it runs on {@code sender} only. */
  public BusOutbox(Vertx vertx, Context sender, Consumer<JsonObject> bus) {
    this.vertx = vertx;
    this.sender = sender;
    this.bus = bus;
  }

  /** Queues {@code event} after every event handed in before it; callable from any thread. */
  public void send(JsonObject event) {
    synchronized (this) {
      queue.add(event);
      if (draining) {
        return;
      }
      draining = true;
    }
    sender.runOnContext(v -> drain());
  }

  private void drain() {
    for (int i = 0; i < MAX_PER_TURN; i++) {
      JsonObject head;
      synchronized (this) {
        head = queue.peek();
        if (head == null) {
          draining = false;
          return;
        }
      }
      if (!publish(head)) {
        // a later turn: by then Vert.x has handled the dead member's closed connection
        vertx.setTimer(1L << Math.min(attempts, 5), t -> drain());
        return;
      }
      synchronized (this) {
        queue.poll();
      }
    }
    sender.runOnContext(v -> drain());
  }

  /** Publishes {@code event}; false when it must be tried again later. */
  private boolean publish(JsonObject event) {
    attempts++;
    try {
      bus.accept(event);
    } catch (RuntimeException e) {
      if (brokenOff(e) && attempts < MAX_ATTEMPTS) {
        republished++;
        LOG.log(System.Logger.Level.WARNING, "event=bus_publish_broken_off origin={0} seq={1} attempt={2} "
            + "cause=\"{3}\" action=publish_again", event.getValue("origin"), event.getValue("seq"), attempts, e);
        return false;
      }
      givenUp++;
      LOG.log(System.Logger.Level.ERROR, "event=bus_publish_failed origin={0} seq={1} attempts={2} cause=\"{3}\" "
          + "detail=\"members that missed it send their streams a reset\"", event.getValue("origin"),
          event.getValue("seq"), attempts, e);
    }
    attempts = 0;
    return true;
  }

  /** Vert.x's clustered publish completing its shared write promise twice (see the class comment). */
  static boolean brokenOff(Throwable e) {
    return e instanceof IllegalStateException
        && ("Promise already completed".equals(e.getMessage()) || "Result is already complete".equals(e.getMessage()));
  }

  /** Events published again after Vert.x broke their publish off (each a retry, not an event). */
  long republished() {
    return republished;
  }

  /** Events given up: a publish that kept failing, or failed otherwise. */
  long givenUp() {
    return givenUp;
  }

  /** Events handed in and not yet on the bus. */
  synchronized int pending() {
    return queue.size();
  }
}
