package dev.ssegateway.publisher;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.Event;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.Utf8;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.ClusterManager;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.function.IntSupplier;

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
 * <p>Three ways to get one, one per kind of node:
 * <ul>
 *   <li>a verticle deployed in a gateway process (the {@code publishers} conf key) calls {@link #of}: the gateway
 *       installed the node's publisher, named by its {@code node_id}, before it deploys any publisher;</li>
 *   <li>a publisher-only member of a cluster (the user's own application, no gateway) calls
 *       {@link #install(Vertx, ClusterManager, String)} once at startup: it claims the origin name cluster-wide
 *       ({@link OriginClaim}), starts above every sequence the cluster has seen from it, and validates against the
 *       cluster's live {@code limits.max_event_bytes};</li>
 *   <li>a Vert.x that is not clustered (tests, a single process) calls {@link #install(Vertx, String)}.</li>
 * </ul>
 * The gateway's own node uses {@link #join}.
 */
public final class EventPublisher implements Shareable {

  /** The default of {@code limits.max_event_bytes}: what {@link #install(Vertx, String)} validates against. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 65536;

  private static final String MAP = "sse-gateway";
  private static final String KEY = "event-publisher";

  private final Vertx vertx;
  private final String origin;
  private final BusOutbox outbox;
  private final Clock clock;
  private final OriginClaim claim;
  /** The highest seq of this origin the live members had seen when it started (0 for none, or not asked). */
  private final long startsAbove;
  private final long firstSeq;
  /** The live {@code limits.max_event_bytes} every event is validated against. */
  private final IntSupplier maxEventBytes;
  /** A publisher-only member's subscription to the cluster's limit changes; null otherwise. */
  private final MessageConsumer<?> limitsFeed;
  private long seq;

  private EventPublisher(Vertx vertx, String origin, Clock clock, long above, OriginClaim claim,
                         IntSupplier maxEventBytes, MessageConsumer<?> limitsFeed) {
    if (Cursor.originProblem(origin) != null) {
      throw new IllegalArgumentException("node_id '" + origin + "': " + Cursor.originProblem(origin));
    }
    this.vertx = vertx;
    this.origin = origin;
    Context sender = vertx.getOrCreateContext();
    this.outbox = new BusOutbox(vertx, sender, body -> vertx.eventBus().publish(BusAddresses.EVENTS, body));
    this.clock = clock;
    this.claim = claim;
    this.seq = Math.max(clock.millis() * 1000L, above);
    this.startsAbove = Math.max(above, 0);
    this.firstSeq = seq + 1;
    this.maxEventBytes = maxEventBytes;
    this.limitsFeed = limitsFeed;
  }

  /**
   * Installs the publisher of a Vert.x that is not clustered, with origin name {@code origin}, validating against
   * {@link #DEFAULT_MAX_EVENT_BYTES}; returns the existing one if a publisher was already installed on this Vert.x.
   * Refuses a clustered Vert.x (no cluster-wide claim, no high-water mark: a restart could reuse ids there): a
   * cluster member uses {@link #install(Vertx, ClusterManager, String)}.
   */
  public static EventPublisher install(Vertx vertx, String origin) {
    if (vertx.isClustered()) {
      throw new IllegalStateException("EventPublisher.install(vertx, \"" + origin + "\"): this Vert.x is clustered; "
          + "a cluster member installs with EventPublisher.install(vertx, clusterManager, \"" + origin + "\")");
    }
    return install(vertx, origin, Clock.systemUTC(), 0, null, () -> DEFAULT_MAX_EVENT_BYTES, null);
  }

  /**
   * The entry point of a publisher-only member of a gateway cluster (the user's own clustered application, no
   * gateway in it): installs this member's publisher for {@code origin}, once, at startup. It claims the name in
   * the cluster ({@link OriginClaim}; fails with {@link OriginClaim.TakenException} when a live member holds it),
   * starts above the highest sequence any live member has seen from {@code origin} (a restart never reuses an id,
   * whatever the clock says), and validates events against the cluster's live {@code limits.max_event_bytes}: it
   * asks a gateway for it and follows every change a gateway applies. It fails, and nothing is installed, when no
   * gateway of the cluster answers: start it once a gateway is up. {@link #of} returns it afterwards; call
   * {@link #release()} when the application stops.
   */
  public static Future<EventPublisher> install(Vertx vertx, ClusterManager clusterManager, String origin) {
    if (clusterManager == null) {
      return Future.failedFuture(new IllegalArgumentException("clusterManager is null: a Vert.x that is not "
          + "clustered installs with EventPublisher.install(vertx, name)"));
    }
    if (Cursor.originProblem(origin) != null) {
      return Future.failedFuture(new IllegalArgumentException("origin '" + origin + "': "
          + Cursor.originProblem(origin)));
    }
    if (installed(vertx) != null) {
      return Future.failedFuture(new IllegalStateException("an EventPublisher is already installed on this Vert.x "
          + "(origin " + installed(vertx).origin() + ")"));
    }
    return ClusterLimits.follow(vertx).compose(limits -> OriginClaim.claim(vertx, clusterManager, origin)
        .compose(claim -> SeqHighWater.ask(vertx, clusterManager, origin)
            .recover(e -> claim.release().transform(x -> Future.failedFuture(e)))
            .map(highest -> install(vertx, origin, Clock.systemUTC(), highest, claim, limits, limits.feed())))
        .recover(e -> limits.feed().unregister().transform(x -> Future.failedFuture(e))));
  }

  private static EventPublisher installed(Vertx vertx) {
    return vertx.sharedData().<String, EventPublisher>getLocalMap(MAP).get(KEY);
  }

  private static EventPublisher install(Vertx vertx, String origin, Clock clock, long above, OriginClaim claim,
                                        IntSupplier maxEventBytes, MessageConsumer<?> limitsFeed) {
    LocalMap<String, EventPublisher> map = vertx.sharedData().getLocalMap(MAP);
    EventPublisher existing = map.get(KEY);
    if (existing != null) {
      return existing;
    }
    EventPublisher fresh = new EventPublisher(vertx, origin, clock, above, claim, maxEventBytes, limitsFeed);
    existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /**
   * Installs this member's publisher for {@code origin} after claiming the name in the cluster
   * ({@link OriginClaim}; {@code clusterManager} null for a node that is not clustered). Fails with
   * {@link OriginClaim.TakenException} when a live member holds the name: the caller must not serve or
   * publish then. The first sequence is above both {@code clock} (in microseconds) and the highest sequence any
   * live member has seen from {@code origin} (asked once; a member with a gateway answers from its fan-out), so
   * a restart on a clock stepped back never reuses a number. Events are validated against {@code maxEventBytes}
   * (the node's live {@code limits.max_event_bytes}). This is the gateway node's own wiring; a publisher-only member
   * uses {@link #install(Vertx, ClusterManager, String)}.
   */
  public static Future<EventPublisher> join(Vertx vertx, ClusterManager clusterManager, String origin, Clock clock,
                                            IntSupplier maxEventBytes) {
    if (Cursor.originProblem(origin) != null) {
      return Future.failedFuture(new IllegalArgumentException("node_id '" + origin + "': "
          + Cursor.originProblem(origin)));
    }
    EventPublisher existing = installed(vertx);
    if (existing != null) {
      return Future.succeededFuture(existing);
    }
    return OriginClaim.claim(vertx, clusterManager, origin)
        .compose(claim -> SeqHighWater.ask(vertx, clusterManager, origin)
            .recover(e -> claim.release().transform(x -> Future.failedFuture(e)))
            .map(highest -> install(vertx, origin, clock, highest, claim, maxEventBytes, null)));
  }

  /**
   * Gives up this member's claim of its origin name (a stopping member; see {@link OriginClaim#release()}) and
   * stops following the cluster's limits.
   */
  public Future<Void> release() {
    Future<Void> feed = limitsFeed == null ? Future.succeededFuture() : limitsFeed.unregister();
    return feed.compose(v -> claim == null ? Future.succeededFuture() : claim.release());
  }

  /**
   * This node's publisher. Fails with {@link IllegalStateException} when none is installed yet: in a gateway process
   * the gateway installs it (named by {@code node_id}) before it deploys the {@code publishers}; elsewhere install
   * one first ({@link #install(Vertx, ClusterManager, String)} or {@link #install(Vertx, String)}).
   */
  public static EventPublisher of(Vertx vertx) {
    EventPublisher existing = installed(vertx);
    if (existing == null) {
      throw new IllegalStateException("no EventPublisher is installed on this Vert.x yet: in a gateway, deploy the "
          + "verticle through the 'publishers' conf key (the gateway installs its publisher first); in your own "
          + "application, call EventPublisher.install(vertx, clusterManager, name) before EventPublisher.of(vertx)");
    }
    return existing;
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
      // The outbox puts events on the bus from one context in the order handed in, so bus order equals seq order.
      outbox.send(event.toBus());
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
      outbox.send(event.toBus());
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
    int max = maxEventBytes.getAsInt();
    int size = Utf8.encodedLength(data);
    if (size > max) {
      throw new BadEventException("too_large", "event data is " + size + " bytes; limits.max_event_bytes is " + max);
    }
  }
}
