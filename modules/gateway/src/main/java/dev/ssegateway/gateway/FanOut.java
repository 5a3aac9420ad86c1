package dev.ssegateway.gateway;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.Event;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.WireNames;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The node's single consumer of {@link BusAddresses#EVENTS}. For each event it advances the node's
 * stream position, encodes the event once, appends it to its topic's history (whether or not anyone
 * here subscribes) and hands the encoded bytes to every {@link Lane}, each on its own event loop.
 * It also answers resume requests; since it runs on one context, a plan and the live events that follow
 * it reach a lane in order, with no gap and no duplicate at the handover.
 */
public final class FanOut extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);
  private static final long SWEEP_MS = 1000;
  /** Reason codes of drops detected here rather than by {@link Event#fromBus}. */
  static final String UNREADABLE = "unreadable_body";
  static final String ENCODE_FAILED = "encode_failed";
  static final String INTERNAL_ERROR = "internal_error";
  /** Reason code of an event whose memory could not be allocated ({@link OutOfMemoryError}). */
  static final String OUT_OF_MEMORY = "out_of_memory";
  static final String SEQ_OUT_OF_WINDOW = "seq_out_of_window";
  static final String TOO_MANY_ORIGINS = "too_many_origins";
  /**
   * How far ahead of its origin's window a seq may be: one hour, in microseconds. Sequences start from the
   * publisher's clock in microseconds (or just above what the cluster has seen from the origin) and grow by one
   * per event, so a genuine seq is never far above both the last one seen from its origin and this node's clock
   * in microseconds; one hour covers clock skew between members and any burst. A seq beyond it (a forged or
   * corrupt one such as {@code Long.MAX_VALUE}) would make every later event of the origin look like a
   * duplicate: it is refused instead.
   */
  static final long MAX_SEQ_AHEAD = java.util.concurrent.TimeUnit.HOURS.toMicros(1);

  /**
   * How long after {@code history.max_age_ms} an origin's last event must have arrived before the origin is pruned
   * from new ids: covers the spread between nodes' arrivals and sweeps, so no node still holds its events.
   */
  static final long PRUNE_MARGIN_MS = 5000;
  private final GatewayStats stats;
  private final LiveSettings live;
  private final Function<byte[], ByteBuf> chunks;
  private final UnaryOperator<Handler<Message<Object>>> intake;
  private volatile LoopMonitor loop;
  private final List<Lane> lanes = new CopyOnWriteArrayList<>();
  private final Origins origins = new Origins();
  private final Histories histories = new Histories();
  private final RateLimitedLog badEventLog = new RateLimitedLog(LOG, 10_000);
  private final RateLimitedLog gapLog = new RateLimitedLog(LOG, 10_000);
  private Cursor position = Cursor.EMPTY;
  private long arrivals;
  private MessageConsumer<Object> consumer;
  /** Set when the fan-out stops: it no longer subscribes ({@link #resubscribe}). */
  private volatile boolean stopped;
  private Context hub;

  /**
   * A fan-out counting in {@code stats}, reading the node's settings from {@code live}, with the test {@code seams}
   * (the allocator of each event's off-heap frame and a wrapper of the bus handler; {@link Seams#NONE} in production).
   */
  FanOut(GatewayStats stats, LiveSettings live, Seams seams) {
    this.stats = stats;
    this.live = live;
    this.chunks = seams.chunks();
    this.intake = seams.fanOutIntake();
  }

  @Override
  public Future<?> start() {
    hub = context;
    loop = LoopMonitor.start(vertx, stats);
    vertx.setPeriodic(SWEEP_MS, id -> sweep());
    // before the first event: a member asking for an origin's highest seq never misses one this node took
    vertx.eventBus().<String>localConsumer(BusAddresses.ORIGIN_SEQ_LOCAL,
        m -> m.reply(m.body() == null ? 0L : origins.last(m.body())));
    consumer = vertx.eventBus().consumer(BusAddresses.EVENTS, intake.apply(this::onMessage));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * Registers a fresh consumer of {@link BusAddresses#EVENTS} and, once the cluster knows it, drops the old one: for
   * a node whose registration vanished from the cluster's subscription registry (seen after a Hazelcast merge), which
   * would otherwise receive no event at all. Events that reach both consumers meanwhile are duplicates (ignored).
   */
  Future<Void> resubscribe() {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    hub.runOnContext(v -> {
      if (stopped) {
        done.complete();
        return;
      }
      MessageConsumer<Object> old = consumer;
      MessageConsumer<Object> fresh = vertx.eventBus().consumer(BusAddresses.EVENTS, intake.apply(this::onMessage));
      fresh.completion()
          .compose(x -> {
            consumer = fresh;
            return old == null ? Future.<Void>succeededFuture() : old.unregister();
          })
          .onComplete(done);
    });
    return done.future();
  }

  void attach(Lane lane) {
    lanes.add(lane);
  }

  void detach(Lane lane) {
    lanes.remove(lane);
  }

  /** The monitor of the fan-out's own event loop (null before start). */
  LoopMonitor loop() {
    return loop;
  }

  /** The fan-out's context (tests block it to show that liveness sees a stuck loop). */
  Context context() {
    return hub;
  }

  /** The lanes this fan-out feeds: one per gateway instance. */
  List<Lane> lanes() {
    return lanes;
  }

  /**
   * Computes the resume plan for a new stream on the hub context, then runs {@code start} with it on the
   * lane's context, before any live event published after the plan reaches that lane.
   */
  void subscribe(Lane lane, Set<String> topics, Cursor from, java.util.function.Consumer<ResumePlan> start) {
    hub.runOnContext(v -> {
      ResumePlan plan;
      try {
        plan = plan(topics, from);
      } catch (RuntimeException e) {
        LOG.error("event=resume_failed topics={} cause={}", topics, e.toString(), e);
        plan = ResumePlan.failed(from, position, e);
      }
      ResumePlan ready = plan;
      lane.post(() -> start.accept(ready));
    });
  }

  /**
   * Never lets a bus message end the consumer or reach the event loop's exception handler: whatever the
   * body is, it becomes an event, a {@code dropped} notice in the event's place (when its id is readable),
   * or a counted, logged refusal.
   */
  private void onMessage(Message<Object> message) {
    try {
      take(message);
    } catch (RuntimeException e) {
      refused(INTERNAL_ERROR, "bus message could not be handled: " + e);
    } catch (OutOfMemoryError e) {
      refused(OUT_OF_MEMORY, "no memory to handle a bus message: " + e.getMessage());
    }
  }

  private void take(Message<Object> message) {
    GatewaySettings settings = live.current();
    Event event;
    try {
      event = Event.fromBus(message.body(), settings.maxEventBytes());
    } catch (Event.Undeliverable u) {
      if (origins.isDuplicate(u.origin(), u.seq())) {
        stats.duplicatesIgnored.increment();
        return;
      }
      String id = Cursor.eventId(u.origin(), u.seq());
      dropped(u.reason(), id, u.topic(), u.getMessage());
      accept(u.topic(), u.origin(), u.seq(), u.startsAbove(), WireNames.DROPPED, droppedNotice(id, u.topic(),
          u.reason(), u.getMessage()), 0, settings);
      return;
    } catch (BadEventException b) {
      refused(b.reason(), b.getMessage());
      return;
    } catch (RuntimeException e) {
      // message.body() failed (a codec, or a cluster peer's bytes that do not decode), or so did reading a field
      refused(UNREADABLE, "bus message could not be read: " + e);
      return;
    }
    accept(event.topic(), event.origin(), event.seq(), event.startsAbove(), event.type(), event.data(),
        event.publishedAtMs(), settings);
  }

  /** A bus message without a readable id: nobody can be told which event it was, so it is counted and logged. */
  private void refused(String reason, String message) {
    stats.dropped(reason);
    badEventLog.warn(reason, "event=bus_message_refused reason={} detail=\"{}\"", reason, message);
  }

  private void dropped(String reason, String id, String topic, String message) {
    stats.dropped(reason);
    badEventLog.warn(reason, "event=event_dropped id={} topic={} reason={} detail=\"{}\"", id, topic, reason,
        message);
  }

  /** The data of the {@code dropped} event that takes an undeliverable event's place: {@code {id,topic,reason,message}}. */
  static String droppedNotice(String id, String topic, String reason, String message) {
    return new JsonObject().put("id", id).put("topic", topic).put("reason", reason).put("message", message).encode();
  }

  /**
   * Takes an event, or the notice standing in for it, into the stream: dedups by per-origin seq, advances
   * the position, encodes once, remembers it and hands it to every lane. Encoding, the only step that can
   * fail, happens before any state changes; an event that cannot be encoded is replaced by a {@code dropped}
   * notice with the same id, so its seq is still consumed and each origin's sequence stays contiguous.
   * A jump in a known origin's sequence that is not its restart ({@link Origins#lostBefore}) is told to every live
   * stream first, with a {@code reset} ({@link ResumePlan#gapNotice}). Returns false for a duplicate.
   */
  private boolean accept(String topic, String origin, long seq, long startsAbove, String type, String data,
                         long publishedAtMs, GatewaySettings settings) {
    long lastSeen = origins.last(origin);
    if (outsideWindow(seq, lastSeen, System.currentTimeMillis() * 1000L)) {
      refuseLive(topic, origin, seq, SEQ_OUT_OF_WINDOW, "seq is more than " + MAX_SEQ_AHEAD + " (one hour in"
          + " microseconds) above both the last seq seen from origin " + origin + " ("
          + Cursor.formatSeq(lastSeen) + ") and this node's clock");
      return false;
    }
    if (position.position(origin) < 0 && position.positions().size() >= Cursor.MAX_ORIGINS) {
      // every id this node sends must be one it (and every node) accepts back: never more than MAX_ORIGINS
      refuseLive(topic, origin, seq, TOO_MANY_ORIGINS, "the stream position already names " + Cursor.MAX_ORIGINS
          + " origins (live members and origins whose events are still in the history)");
      return false;
    }
    if (origins.isDuplicate(origin, seq)) {
      stats.duplicatesIgnored.increment();
      return false;
    }
    // Retained events share one String per origin and per topic instead of one per decoded message.
    origin = origins.canonical(origin);
    TopicHistory existing = histories.get(topic);
    topic = existing == null ? topic : existing.topic;
    Cursor next = position.advance(origin, seq);
    long now = System.currentTimeMillis();
    EncodedEvent encoded;
    try {
      encoded = new EncodedEvent(topic, origin, seq, arrivals + 1, next, type, data, now, publishedAtMs, chunks);
    } catch (RuntimeException | Error e) {
      // an Error here is an allocation failure (direct or heap memory exhausted) or a bug in encoding: either
      // way it concerns this event only, and the node goes on with the next one
      String reason = e instanceof OutOfMemoryError ? OUT_OF_MEMORY : ENCODE_FAILED;
      String id = Cursor.eventId(origin, seq);
      String message = (e instanceof OutOfMemoryError ? "no memory to encode the event: " : "event could not be encoded: ")
          + e.getMessage();
      dropped(reason, id, topic, message);
      try {
        encoded = new EncodedEvent(topic, origin, seq, arrivals + 1, next, WireNames.DROPPED,
            droppedNotice(id, topic, reason, message), now, publishedAtMs, chunks);
      } catch (RuntimeException | Error again) {
        encoded = null; // not even the notice could be allocated: the seq is consumed, counted and logged above
      }
    }
    Cursor before = position;
    long lastBefore = origins.took(origin, seq, startsAbove, now);
    boolean lost = Origins.lostBefore(lastBefore, seq, startsAbove);
    position = next;
    arrivals++;
    if (Topics.PROBE_TOPIC.equals(topic)) {
      stats.probesReceived.increment();
    } else {
      stats.eventsReceived.increment();
    }
    if (lost) {
      tellGap(origin, lastBefore, seq, before);
    }
    if (encoded == null) {
      return true;
    }
    remember(encoded, settings);
    EncodedEvent ready = encoded;
    for (Lane lane : lanes) {
      lane.post(() -> lane.deliver(ready));
    }
    return true;
  }

  /**
   * Tells every live stream of this node, before the event that follows the gap, that events of {@code origin}
   * after {@code last} were lost on the way here: a {@code reset} of the shape a resume gets, reason
   * {@link ResumePlan#GAP}.
   * Every stream, whatever its topics: this node cannot know the topics of events it never received.
   */
  private void tellGap(String origin, long last, long seq, Cursor before) {
    stats.originGaps.increment();
    gapLog.warn(origin, "event=origin_gap origin={} after={} next={} missing={} detail=\"events of this origin were"
        + " lost on the way to this node; live streams were told with a reset\"", origin, Cursor.formatSeq(last),
        Cursor.formatSeq(seq), seq > last ? seq - last - 1 : 0);
    EncodedEvent notice;
    try {
      notice = EncodedEvent.notice(before, arrivals, WireNames.RESET,
          ResumePlan.gapNotice(before, origin, last, seq).encode(),
          System.currentTimeMillis());
    } catch (RuntimeException | Error e) {
      LOG.error("event=gap_notice_failed origin={} cause=\"{}\"", origin, e.toString());
      return;
    }
    for (Lane lane : lanes) {
      lane.post(() -> lane.deliver(notice));
    }
  }

  /** Whether {@code seq} is more than {@link #MAX_SEQ_AHEAD} above both the origin's last seq and the clock. */
  static boolean outsideWindow(long seq, long last, long nowMicros) {
    return seq - Math.max(last, nowMicros) > MAX_SEQ_AHEAD;
  }

  /**
   * Counts and logs a refused event that has an id (its seq outside its origin's window, or one origin too many)
   * and tells the topic's live streams with a {@code dropped} notice. The position does not move (the event's id
   * cannot become part of any id), so the notice carries the current position as its id and is not kept in the
   * history.
   */
  private void refuseLive(String topic, String origin, long seq, String reason, String message) {
    String id = Cursor.eventId(origin, seq);
    dropped(reason, id, topic, message);
    EncodedEvent notice = new EncodedEvent(topic, origin, 0, arrivals, position, WireNames.DROPPED,
        droppedNotice(id, topic, reason, message), System.currentTimeMillis(), 0);
    for (Lane lane : lanes) {
      lane.post(() -> lane.deliver(notice));
    }
  }

  private void remember(EncodedEvent e, GatewaySettings settings) {
    // nobody resumes health probes: their history only has to exist, like any topic's
    int maxEvents = Topics.PROBE_TOPIC.equals(e.topic) ? 1 : settings.get(GatewaySettings.HISTORY_MAX_EVENTS);
    histories.remember(e, maxEvents, settings.get(GatewaySettings.HISTORY_MAX_TOPICS),
        settings.get(GatewaySettings.HISTORY_MAX_BYTES));
    historyStats();
  }

  private void historyStats() {
    stats.historyBytes.set(histories.bytes());
    stats.historyEvents.set(histories.events());
  }

  private void sweep() {
    GatewaySettings settings = live.current();
    histories.sweep(System.currentTimeMillis() - settings.get(GatewaySettings.HISTORY_MAX_AGE_MS),
        settings.get(GatewaySettings.HISTORY_MAX_EVENTS), settings.get(GatewaySettings.HISTORY_MAX_TOPICS),
        settings.get(GatewaySettings.HISTORY_MAX_BYTES)); // also applies lowered bounds
    historyStats();
    pruneOrigins(System.currentTimeMillis() - settings.get(GatewaySettings.HISTORY_MAX_AGE_MS) - PRUNE_MARGIN_MS);
  }

  /**
   * Drops from the position (so from every new id) each origin whose last event arrived before {@code before}:
   * history.max_age_ms plus a margin ago, so none of its events is retained here or on any node with the same
   * history settings. A member that left is pruned this way; a live gateway never is (its health probe arrives
   * every second); a quiet publisher comes back into ids with its next event, which nobody has seen. Its state
   * stays (bounded by {@link Origins#MAX_PRUNED_ORIGINS}).
   */
  private void pruneOrigins(long before) {
    position = origins.prune(before, position, state -> LOG.info("event=origin_pruned origin={} last_seq={}"
        + " reason=\"no event for history.max_age_ms + {} ms\"", state.name, Cursor.formatSeq(state.last),
        PRUNE_MARGIN_MS));
  }

  private ResumePlan plan(Set<String> topics, Cursor from) {
    ResumePlan plan = ResumePlan.plan(topics, from, position, origins, histories, System.currentTimeMillis());
    if (from != null) {
      stats.replays.increment();
      stats.replayedEvents.add(plan.replay().size());
      if (plan.reset() != null) {
        stats.resets.increment();
      }
    }
    return plan;
  }

  /** Bytes held by all topic histories, as of the last sweep or append. */
  long historyBytes() {
    return histories.bytes();
  }
}
