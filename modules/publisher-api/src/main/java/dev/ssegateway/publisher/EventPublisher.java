package dev.ssegateway.publisher;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.Event;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.Utf8;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.ClusterManager;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * The Java publishing API, one per Vert.x node: it validates an event, gives it this node's next id
 * ({@code origin.seq}) and puts it on the event bus, where every gateway of the cluster receives it.
 * Usable from any verticle or thread:
 * <pre>{@code
 * EventPublisher.of(vertx).publish("orders", "created", json.encode())
 *     .onSuccess(id -> log.info("published {}", id));
 * }</pre>
 * Sequence numbers are contiguous per origin (so a gateway can tell when it missed one) and start from
 * the wall clock in microseconds at startup, or above the highest sequence a live gateway has seen from
 * this origin when that is higher ({@link #join}: a restart on a clock stepped back never reuses an id).
 * Events leave in sequence order: they are sent from one context, in the order their numbers were taken.
 * The first event of this publisher carries the high-water mark it started above ({@link Event#startsAbove}),
 * so that a gateway can tell this legitimate jump of the sequence from events lost on the way.
 *
 * <p>In a cluster, a member that publishes uses {@link #join}: it claims its origin name cluster-wide
 * ({@link OriginClaim}) and refuses to start when a live member holds it.
 */
public final class EventPublisher implements Shareable {

  private static final String MAP = "sse-gateway";
  private static final String KEY = "event-publisher";

  private final Vertx vertx;
  private final String origin;
  private final Context sender;
  private final Clock clock;
  private final OriginClaim claim;
  /** The highest seq of this origin the live members had seen when it started (0 for none, or not asked). */
  private final long startsAbove;
  private final long firstSeq;
  private long seq;

  private EventPublisher(Vertx vertx, String origin, Clock clock, long above, OriginClaim claim) {
    if (Cursor.originProblem(origin) != null) {
      throw new IllegalArgumentException("node_id '" + origin + "': " + Cursor.originProblem(origin));
    }
    this.vertx = vertx;
    this.origin = origin;
    this.sender = vertx.getOrCreateContext();
    this.clock = clock;
    this.claim = claim;
    this.seq = Math.max(clock.millis() * 1000L, above);
    this.startsAbove = Math.max(above, 0);
    this.firstSeq = seq + 1;
  }

  /**
   * Installs this node's publisher with origin name {@code origin}; returns the existing one if a
   * publisher was already installed on this Vert.x. No cluster-wide claim: for a node that is not clustered
   * (a clustered member uses {@link #join}).
   */
  public static EventPublisher install(Vertx vertx, String origin) {
    return install(vertx, origin, Clock.systemUTC(), 0, null);
  }

  private static EventPublisher install(Vertx vertx, String origin, Clock clock, long above, OriginClaim claim) {
    LocalMap<String, EventPublisher> map = vertx.sharedData().getLocalMap(MAP);
    EventPublisher existing = map.get(KEY);
    if (existing != null) {
      return existing;
    }
    EventPublisher fresh = new EventPublisher(vertx, origin, clock, above, claim);
    existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /**
   * Installs this member's publisher for {@code origin} after claiming the name in the cluster
   * ({@link OriginClaim}; {@code clusterManager} null for a node that is not clustered). Fails with
   * {@link OriginClaim.TakenException} when a live member holds the name: the caller must not serve or
   * publish then. The first sequence is above both {@code clock} (in microseconds) and the highest sequence any
   * live member has seen from {@code origin} (asked once; a member with a gateway answers from its fan-out), so
   * a restart on a clock stepped back never reuses a number.
   */
  public static Future<EventPublisher> join(Vertx vertx, ClusterManager clusterManager, String origin, Clock clock) {
    if (Cursor.originProblem(origin) != null) {
      return Future.failedFuture(new IllegalArgumentException("node_id '" + origin + "': "
          + Cursor.originProblem(origin)));
    }
    EventPublisher existing = vertx.sharedData().<String, EventPublisher>getLocalMap(MAP).get(KEY);
    if (existing != null) {
      return Future.succeededFuture(existing);
    }
    return OriginClaim.claim(vertx, clusterManager, origin)
        .compose(claim -> SeqHighWater.ask(vertx, clusterManager, origin)
            .recover(e -> claim.release().transform(x -> Future.failedFuture(e)))
            .map(highest -> install(vertx, origin, clock, highest, claim)));
  }

  /** Gives up this member's claim of its origin name (a stopping member); see {@link OriginClaim#release()}. */
  public Future<Void> release() {
    return claim == null ? Future.succeededFuture() : claim.release();
  }

  /** This node's publisher; installs one with a random origin name if the app has not. */
  public static EventPublisher of(Vertx vertx) {
    return install(vertx, randomName());
  }

  /** A random origin name, {@code n} and 7 base-36 characters. */
  public static String randomName() {
    SecureRandom random = new SecureRandom();
    StringBuilder b = new StringBuilder("n");
    for (int i = 0; i < 7; i++) {
      b.append(Character.forDigit(random.nextInt(36), 36));
    }
    return b.toString();
  }

  public String origin() {
    return origin;
  }

  /** Publishes {@code data} as a {@code message} event. */
  public Future<String> publish(String topic, String data) {
    return publish(topic, Topics.DEFAULT_TYPE, data);
  }

  /**
   * Publishes an event; the future holds its id ({@code origin.seq}) or fails with a
   * {@link BadEventException} naming the problem, in which case nothing was published. Data with lone
   * surrogates or NUL is accepted and published normalised ({@link Utf8#normalize}: each becomes U+FFFD).
   */
  public Future<String> publish(String topic, String type, String data) {
    try {
      validate(topic, type, data);
    } catch (BadEventException e) {
      return Future.failedFuture(e);
    }
    Event event;
    synchronized (this) {
      // Lone surrogates and NUL become U+FFFD (documented in docs/protocol.md, "Bad events"): such a string is accepted, and
      // what goes on the bus is valid UTF-8 that a clustered bus can encode.
      event = new Event(topic, type, Utf8.normalize(data), origin, ++seq, clock.millis(), mark(seq));
      // The sender context runs tasks in submission order, so bus order equals seq order.
      sender.runOnContext(v -> vertx.eventBus().publish(BusAddresses.EVENTS, event.toBus()));
    }
    return Future.succeededFuture(event.idText());
  }

  /**
   * Publishes a gateway health probe: an event of the reserved topic {@link Topics#PROBE_TOPIC} (which no client
   * can subscribe to and {@link #publish} refuses) with this node's next id, so that it travels exactly as this
   * node's events do. The gateway's health check is the only caller.
   */
  public void publishProbe(String data) {
    synchronized (this) {
      Event event = new Event(Topics.PROBE_TOPIC, Topics.PROBE_TYPE, data, origin, ++seq, clock.millis(),
          mark(seq));
      sender.runOnContext(v -> vertx.eventBus().publish(BusAddresses.EVENTS, event.toBus()));
    }
  }

  /** The {@link Event#startsAbove} mark of the event numbered {@code s}: set on the first event only. */
  private long mark(long s) {
    return s == firstSeq ? startsAbove : Event.NOT_FIRST;
  }

  private void validate(String topic, String type, String data) {
    String problem = Topics.topicProblem(topic);
    if (problem != null) {
      throw new BadEventException("bad_topic", problem);
    }
    problem = type == null ? "event type is missing" : Topics.typeProblem(type);
    if (problem != null) {
      throw new BadEventException("bad_type", problem);
    }
    if (data == null) {
      throw new BadEventException("bad_data", "event data is null");
    }
    int max = LiveSettings.of(vertx).current().maxEventBytes();
    int size = Utf8.encodedLength(data);
    if (size > max) {
      throw new BadEventException("too_large", "event data is " + size + " bytes; limits.max_event_bytes is " + max);
    }
  }
}
