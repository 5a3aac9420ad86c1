package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.Topics;
import dev.ssegateway.core.WireNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The streams one event loop owns, indexed by topic. Events from the {@link FanOut} arrive here already
 * encoded and are written to the matching streams of this loop only: no cross-thread writes, no locks.
 */
final class Lane {

  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  private static final int DRAIN_BATCH = 256;

  private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> inbox =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean drainScheduled =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Context context;
  private final GatewayStats stats;
  private final String node;
  private final Heartbeats heartbeats;
  private final TokenExpiry expiry;
  private final Map<String, Set<StreamConnection>> byTopic = new HashMap<>();
  private final Set<StreamConnection> all = new LinkedHashSet<>();
  private final RateLimitedLog slowLog = new RateLimitedLog(LOG, 10_000);
  private final List<StreamConnection> toCut = new ArrayList<>();
  /**
   * Set while {@link #deliver} walks a set of streams. A write there can remove a stream at once (a flush that finds
   * the client gone fails the write, and its exception handler removes the stream), which would break the walk for
   * every stream after it: such a stream is marked closed at once and taken out of the sets after the walk.
   */
  private boolean delivering;
  private final List<StreamConnection> unlinkAfterDelivery = new ArrayList<>();
  /** The writes of one loop turn under load, flushed together at its end ({@link #drain}). */
  private final WriteBatch batch = new WriteBatch();
  /** Whether the last drain turn ran a single task and left nothing behind: the lane is under light load. */
  private boolean quietTurns = true;
  private long turns;
  /** Set when the node shuts down: no new stream starts on this lane. */
  boolean closing;
  /** The lane's internal subscriber of {@link Topics#PROBE_TOPIC}: proves that events reach this lane's writes. */
  private final ProbeSink probe;
  private final LoopMonitor loop;
  /** Runs each task posted to this lane, on its loop: the task itself, unless a test holds them ({@link Seams}). */
  private final Executor tasks;

  Lane(Vertx vertx, Context context, GatewayStats stats, String node, GatewaySettings settings) {
    this(vertx, context, stats, node, settings, Seams.NONE.laneTasks().apply(context));
  }

  Lane(Vertx vertx, Context context, GatewayStats stats, String node, GatewaySettings settings, Executor tasks) {
    this.context = context;
    this.tasks = tasks;
    this.stats = stats;
    this.node = node;
    this.heartbeats = new Heartbeats(vertx, stats, settings.heartbeatMs(), settings.heartbeatAsComment(), this::cut);
    this.expiry = new TokenExpiry(vertx, this::expire);
    this.probe = new ProbeSink(node);
    StreamConnection probeStream = new StreamConnection(probe, Set.of(Topics.PROBE_TOPIC), "probe");
    probeStream.live = true;
    byTopic.computeIfAbsent(Topics.PROBE_TOPIC, t -> new LinkedHashSet<>()).add(probeStream);
    this.loop = LoopMonitor.start(vertx, stats);
  }

  ProbeSink probe() {
    return probe;
  }

  LoopMonitor loop() {
    return loop;
  }

  Context context() {
    return context;
  }

  int size() {
    return all.size();
  }

  /** How many of this lane's streams write straight to their channel ({@link HandoverTarget}). */
  int directStreams() {
    int n = 0;
    for (StreamConnection c : all) {
      if (c.writesDirectly()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Runs {@code task} on this lane's event loop after every task posted before it; callable from any
   * thread. Tasks are queued and drained in batches (at most {@value #DRAIN_BATCH} per loop turn, so
   * I/O is never starved), which spares one cross-thread wake-up per event under load.
   */
  void post(Runnable task) {
    stats.laneBacklog.increment();
    inbox.add(task);
    if (drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drain());
    }
  }

  private void drain() {
    drainScheduled.set(false);
    Runnable task = inbox.poll();
    if (task == null) {
      return; // taken by the turn before, which found it queued behind its own tasks
    }
    turns++;
    // A lone task after a turn that was alone too (light load: one event now and then) runs outside the batch: each
    // stream's bytes are flushed as soon as they are written, so the first stream's bytes are on their way while the
    // last one is still being written, instead of all of them waiting for the last write. Several tasks, or one right
    // after a turn that was not alone (load), share one batch: one flush per stream for all of them.
    boolean batched = !(quietTurns && inbox.peek() == null);
    if (batched) {
      batch.begin();
    }
    int n = 0;
    try {
      while (task != null) {
        stats.laneBacklog.decrement();
        try {
          tasks.execute(task);
        } catch (RuntimeException | OutOfMemoryError e) {
          LOG.error("event=lane_task_failed cause=\"{}\"", e.toString(), e);
        }
        // A lone turn ends with its task: what arrived meanwhile goes to the next turn, batched, so that no stream
        // is flushed twice in one turn (the lone task's flushes, then the batch's)
        if (++n >= DRAIN_BATCH || !batched) {
          break;
        }
        task = inbox.poll();
      }
    } finally {
      if (batched) {
        batch.end();
      }
    }
    quietTurns = n == 1 && inbox.isEmpty();
    if (!inbox.isEmpty() && drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drain());
    }
  }

  /** Drain turns that ran tasks so far (tests). */
  long turns() {
    return turns;
  }

  /** Whether this lane's writes are being batched to the end of the current turn (tests). */
  boolean batching() {
    return batch.open();
  }

  /** Called once per event on this loop; a {@link EncodedEvent#notice} goes to every live stream of the lane. */
  void deliver(EncodedEvent e) {
    Set<StreamConnection> streams = e.notice ? all : byTopic.get(e.topic);
    if (streams == null) {
      return;
    }
    int count = streams.size();
    delivering = true;
    try {
      for (StreamConnection c : streams) {
        try {
          if (!c.send(e)) {
            toCut.add(c);
          }
        } catch (RuntimeException | OutOfMemoryError ex) {
          toCut.add(c); // no memory for this stream's copy of the frame: it resumes later, the others go on
        }
      }
    } finally {
      delivering = false;
      if (!unlinkAfterDelivery.isEmpty()) {
        unlinkAfterDelivery.forEach(this::unlink);
        unlinkAfterDelivery.clear();
      }
    }
    if (!e.notice && !Topics.PROBE_TOPIC.equals(e.topic)) {
      stats.deliveries.add(count);
      stats.eventBytesWritten.add((long) e.frameLength * count);
      if (e.publishedAtMs > 0) {
        stats.recordPublishToWrite(System.currentTimeMillis() - e.publishedAtMs);
      }
    }
    if (!toCut.isEmpty()) {
      toCut.forEach(this::cut);
      toCut.clear();
    }
  }

  /** Writes the stream's first frames and its replay, then makes it live: all in one loop turn. */
  void start(StreamConnection c, ResumePlan plan, GatewaySettings settings) {
    if (c.closed) {
      return;
    }
    if (closing) {
      remove(c);
      endWithRetry(c, settings.retryMs() + jitter(settings.get(GatewaySettings.SHUTDOWN_RETRY_JITTER_MS)));
      return;
    }
    JsonObject hello = new JsonObject()
        .put("node", node)
        .put("heartbeat_ms", heartbeats.intervalMs())
        .put("topics", new JsonArray(new ArrayList<>(c.topics)))
        .put("resumed", plan.clientAhead() != null || !plan.replay().isEmpty() || plan.reset() != null)
        .put("replayed", plan.replay().size());
    String helloId = plan.position().toString();
    Buffer first = SseEncoder.retry(settings.retryMs())
        .appendBuffer(SseEncoder.frame(helloId, WireNames.HELLO, hello.encode()));
    if (plan.reset() != null) {
      first.appendBuffer(SseEncoder.body(WireNames.RESET, plan.reset().encode()));
    }
    c.clientAhead(plan.clientAhead());
    ChannelStreamTarget direct = c.http11 == null ? null : ChannelStreamTarget.attach(c.http11, batch);
    if (direct != null) {
      c.writeDirectly(direct);
    }
    try {
      c.write(first);
    } catch (RuntimeException | OutOfMemoryError e) {
      // no memory for its first frames: the stream ends (its client retries) instead of waiting without headers
      LOG.warn("event=stream_start_failed peer={} cause=\"{}\"", c.peer, e.toString());
      remove(c);
      c.response.reset();
      return;
    }
    if (c.closed) {
      return; // its first write found the client gone and the write's exception handler already removed it
    }
    c.live = true;
    all.add(c);
    stats.liveStream(c.topics.size(), 1);
    for (String topic : c.topics) {
      byTopic.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(c);
    }
    long now = System.currentTimeMillis();
    heartbeats.start(c, now);
    expiry.add(c, now);
    if (!plan.replay().isEmpty()) {
      // The replay goes out in pieces, each written once the socket took the one before: what the stream owes
      // stays within limits.write_queue_bytes from the first byte, and live events queue behind it.
      c.startReplay(plan.replay(), settings.get(GatewaySettings.WRITE_QUEUE_BYTES), now);
      pump(c);
    }
  }

  /** Writes the next pieces of {@code c}'s paced replay, in one batch; a piece taken by the socket pumps again. */
  private void pump(StreamConnection c) {
    batch.begin();
    try {
      c.pump(bytes -> context.runOnContext(v -> {
        if (!c.closed) {
          c.pieceWritten(bytes, System.currentTimeMillis());
          pump(c);
        }
      }));
    } catch (RuntimeException | OutOfMemoryError e) {
      cut(c);
    } finally {
      batch.end();
    }
  }

  /** Forgets a stream: called when the client goes away or the stream is cut. Idempotent. */
  void remove(StreamConnection c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    heartbeats.stop(c);
    if (c.live) {
      expiry.remove(c);
      stats.liveStream(c.topics.size(), -1);
      if (delivering) {
        unlinkAfterDelivery.add(c); // closed: the walk in progress skips it
      } else {
        unlink(c);
      }
    }
    stats.openStreams.decrement();
    stats.perAddress.release(c.peer);
  }

  private void unlink(StreamConnection c) {
    all.remove(c);
    for (String topic : c.topics) {
      Set<StreamConnection> set = byTopic.get(topic);
      if (set != null && set.remove(c) && set.isEmpty()) {
        byTopic.remove(topic);
      }
    }
  }

  /** Ends a stream whose client does not keep up; it will resume from its last id. */
  void cut(StreamConnection c) {
    if (c.closed) {
      return;
    }
    stats.slowConsumersCut.increment();
    slowLog.warn("slow_consumer", "event=slow_consumer_cut peer={} topics={}", c.peer, c.topics);
    remove(c);
    c.response.reset();
  }

  /**
   * Ends a stream whose JWT has expired: an {@code expired} event naming the reason and the {@code exp}, then the
   * end of the response. The frame carries no id, so the client resumes from its last event.
   */
  void expire(StreamConnection c) {
    if (c.closed) {
      return;
    }
    stats.streamsExpired.increment();
    remove(c);
    long ms = c.expiresAtMs;
    JsonObject data = new JsonObject().put("reason", "token_expired")
        .put("exp", ms % 1000 == 0 ? (Object) (ms / 1000) : (Object) (ms / 1000.0));
    try {
      c.response.end(SseEncoder.body(WireNames.EXPIRED, data.encode())).recover(e -> Future.succeededFuture());
    } catch (RuntimeException e) {
      // the client is already gone
    }
  }

  /** Streams of this lane whose JWT expiry is watched (tests). */
  TokenExpiry expiry() {
    return expiry;
  }

  void reconfigure(GatewaySettings settings) {
    heartbeats.reconfigure(settings.heartbeatMs(), settings.heartbeatAsComment(), all, System.currentTimeMillis());
  }

  /**
   * Ends every stream for a shutdown: each client is told to come back after {@code retryMs} plus its own
   * random 0..{@code jitterMs}, so a rolling restart does not bring every client back at the same instant.
   * New streams are refused from now on. Returns at once: the HTTP server's graceful shutdown waits for the ends.
   */
  void closeAll(long retryMs, long jitterMs) {
    closing = true;
    // Each stream gets its own jittered retry and ends; its connection closes once the bytes are out
    // (the SSE response says Connection: close). Waiting for that is the HTTP server's graceful shutdown
    // (GatewayVerticle.stop): nothing here depends on a timer, which undeploying would cancel.
    for (StreamConnection c : new ArrayList<>(all)) {
      remove(c);
      endWithRetry(c, retryMs + jitter(jitterMs));
    }
  }

  private static long jitter(long jitterMs) {
    return jitterMs > 0 ? ThreadLocalRandom.current().nextLong(jitterMs + 1) : 0;
  }

  private static void endWithRetry(StreamConnection c, long retryMs) {
    try {
      c.response.end(SseEncoder.retry(retryMs)); // a failure means the client is gone: nothing to wait for
    } catch (RuntimeException e) {
      // the client is already gone
    }
  }
}
