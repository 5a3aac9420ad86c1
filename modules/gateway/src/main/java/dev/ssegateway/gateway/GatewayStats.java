package dev.ssegateway.gateway;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node's gateway, written from every event loop without locks. Tests read them to
 * prove that nothing leaks (open streams, live heartbeat timers) and operators read them at
 * {@code /admin/stats}.
 */
public final class GatewayStats {

  public final LongAdder openStreams = new LongAdder();
  public final LongAdder heartbeatTimers = new LongAdder();
  public final LongAdder streamsOpened = new LongAdder();
  public final LongAdder eventsReceived = new LongAdder();
  public final LongAdder eventsDropped = new LongAdder();
  public final LongAdder duplicatesIgnored = new LongAdder();
  public final LongAdder deliveries = new LongAdder();
  public final LongAdder heartbeatsSent = new LongAdder();
  public final LongAdder slowConsumersCut = new LongAdder();
  public final LongAdder replays = new LongAdder();
  public final LongAdder replayedEvents = new LongAdder();
  public final LongAdder resets = new LongAdder();
  public final LongAdder rejectedRequests = new LongAdder();
  public final AtomicLong historyBytes = new AtomicLong();
  public final AtomicLong historyEvents = new AtomicLong();
  /** {@link #eventsDropped} split by reason code ({@code too_large}, {@code not_an_event}, ...): a small fixed set. */
  private final Map<String, LongAdder> droppedByReason = new ConcurrentHashMap<>();

  /** Counts one event (or bus message) that was not delivered as published, under {@code reason}. */
  public void dropped(String reason) {
    eventsDropped.increment();
    droppedByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Events dropped for {@code reason} so far. */
  public long droppedFor(String reason) {
    LongAdder n = droppedByReason.get(reason);
    return n == null ? 0 : n.sum();
  }

  /** Events dropped so far, per reason code, sorted by reason. */
  public Map<String, Long> droppedByReason() {
    Map<String, Long> out = new TreeMap<>();
    droppedByReason.forEach((reason, n) -> out.put(reason, n.sum()));
    return out;
  }

  public long openStreams() {
    return openStreams.sum();
  }

  public long heartbeatTimers() {
    return heartbeatTimers.sum();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("open_streams", openStreams.sum())
        .put("heartbeat_timers", heartbeatTimers.sum())
        .put("streams_opened", streamsOpened.sum())
        .put("events_received", eventsReceived.sum())
        .put("events_dropped", eventsDropped.sum())
        .put("events_dropped_by_reason", new JsonObject(new java.util.LinkedHashMap<String, Object>(droppedByReason())))
        .put("duplicates_ignored", duplicatesIgnored.sum())
        .put("deliveries", deliveries.sum())
        .put("heartbeats_sent", heartbeatsSent.sum())
        .put("slow_consumers_cut", slowConsumersCut.sum())
        .put("replays", replays.sum())
        .put("replayed_events", replayedEvents.sum())
        .put("resets", resets.sum())
        .put("rejected_requests", rejectedRequests.sum())
        .put("history_bytes", historyBytes.get())
        .put("history_events", historyEvents.get());
  }
}
