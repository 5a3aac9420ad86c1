package dev.ssegateway.gateway;

import io.vertx.core.json.JsonObject;

import java.util.Map;
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
  /** Open streams that are HTTP/2 streams (the others of {@link #openStreams} are HTTP/1.x). */
  public final LongAdder http2Streams = new LongAdder();
  public final LongAdder eventsReceived = new LongAdder();
  public final LongAdder eventsDropped = new LongAdder();
  public final LongAdder duplicatesIgnored = new LongAdder();
  public final LongAdder deliveries = new LongAdder();
  public final LongAdder heartbeatsSent = new LongAdder();
  public final LongAdder slowConsumersCut = new LongAdder();
  /** Streams ended because their JWT expired ({@code expired} event). */
  public final LongAdder streamsExpired = new LongAdder();
  public final LongAdder replays = new LongAdder();
  public final LongAdder replayedEvents = new LongAdder();
  public final LongAdder resets = new LongAdder();
  /** Jumps in an origin's sequence that were not a restart: events lost on the way here, told to live streams. */
  public final LongAdder originGaps = new LongAdder();
  public final LongAdder rejectedRequests = new LongAdder();
  /** Open streams per client address, for {@code limits.max_connections_per_address}. */
  final AddressCounts perAddress = new AddressCounts();
  /** Connections per client address that are not (yet) streams, counted from accept ({@link ConnectionGate}). */
  final AddressCounts notStreamsPerAddress = new AddressCounts();
  /** Open HTTP connections on this node, streams included, counted from accept ({@link ConnectionGate}). */
  public final java.util.concurrent.atomic.AtomicInteger openConnections =
      new java.util.concurrent.atomic.AtomicInteger();
  public final AtomicLong historyBytes = new AtomicLong();
  public final AtomicLong historyEvents = new AtomicLong();
  /** {@link #eventsDropped} split by reason code ({@code too_large}, {@code not_an_event}, ...): a small fixed set. */
  public final ReasonCounts droppedByReason = new ReasonCounts();
  /** {@link #rejectedRequests} split by the error code of the refusal ({@code invalid_topic}, ...). */
  public final ReasonCounts rejectedByReason = new ReasonCounts();
  /** Health probes taken from the bus (not counted in {@link #eventsReceived}). */
  public final LongAdder probesReceived = new LongAdder();
  /** Bytes of event frames written to streams (not counting hello, replay and heartbeat frames). */
  public final LongAdder eventBytesWritten = new LongAdder();
  /**
   * Hand-offs (events, stream starts) queued for the lanes and not yet run: near 0 when the node keeps up;
   * when it grows, events wait inside the node (the publisher is not slowed down) and arrive late.
   */
  public final LongAdder laneBacklog = new LongAdder();
  /** Live streams by how many topics they follow: [0] one, [1] two to four, [2] five or more. */
  private final LongAdder[] liveByTopicCount = {new LongAdder(), new LongAdder(), new LongAdder()};
  /** Where publish-to-write latencies (ms, one per event per lane) and event loop delays (ns) go: metrics, if bound. */
  private volatile java.util.function.LongConsumer publishToWriteMs = ms -> { };
  private volatile java.util.function.LongConsumer loopDelayNanos = ns -> { };

  /** Counts one event (or bus message) that was not delivered as published, under {@code reason}. */
  public void dropped(String reason) {
    eventsDropped.increment();
    droppedByReason.increment(reason);
  }

  /** Counts one request refused with error code {@code reason}. */
  public void rejected(String reason) {
    rejectedRequests.increment();
    rejectedByReason.increment(reason);
  }

  /** The bucket of {@link #liveStreams(int)} a stream following {@code topics} topics counts in. */
  static int topicCountBucket(int topics) {
    return topics <= 1 ? 0 : topics <= 4 ? 1 : 2;
  }

  /** A stream following {@code topics} topics went live ({@code +1}) or ended ({@code -1}). */
  void liveStream(int topics, int delta) {
    liveByTopicCount[topicCountBucket(topics)].add(delta);
  }

  /** Live streams in topic-count bucket {@code bucket} (0: one topic, 1: two to four, 2: five or more). */
  public long liveStreams(int bucket) {
    return liveByTopicCount[bucket].sum();
  }

  void recordPublishToWrite(long ms) {
    publishToWriteMs.accept(ms);
  }

  void recordLoopDelay(long nanos) {
    loopDelayNanos.accept(nanos);
  }

  /** Sends publish-to-write latencies and event loop delays to {@code latencyMs} and {@code delayNanos}. */
  void observe(java.util.function.LongConsumer latencyMs, java.util.function.LongConsumer delayNanos) {
    this.publishToWriteMs = latencyMs;
    this.loopDelayNanos = delayNanos;
  }

  /** Events dropped for {@code reason} so far. */
  public long droppedFor(String reason) {
    return droppedByReason.count(reason);
  }

  /** Events dropped so far, per reason code, sorted by reason. */
  public Map<String, Long> droppedByReason() {
    return droppedByReason.snapshot();
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
        .put("http2_streams", http2Streams.sum())
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
        .put("origin_gaps", originGaps.sum())
        .put("rejected_requests", rejectedRequests.sum())
        .put("history_bytes", historyBytes.get())
        .put("history_events", historyEvents.get())
        .put("lane_backlog", laneBacklog.sum());
  }
}
