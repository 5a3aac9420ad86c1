package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.WireNames;
import io.vertx.core.Context;
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

/**
 * The streams one event loop owns, indexed by topic. Events from the {@link FanOut} arrive here already
 * encoded and are written to the matching streams of this loop only: no cross-thread writes, no locks.
 */
final class Lane {

  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);

  private final Context context;
  private final GatewayStats stats;
  private final String node;
  private final Heartbeats heartbeats;
  private final Map<String, Set<StreamConnection>> byTopic = new HashMap<>();
  private final Set<StreamConnection> all = new LinkedHashSet<>();
  private final RateLimitedLog slowLog = new RateLimitedLog(LOG, 10_000);
  private final List<StreamConnection> toCut = new ArrayList<>();

  Lane(Vertx vertx, Context context, GatewayStats stats, String node, GatewaySettings settings) {
    this.context = context;
    this.stats = stats;
    this.node = node;
    this.heartbeats = new Heartbeats(vertx, stats, settings.heartbeatMs(), settings.heartbeatAsComment(), this::cut);
  }

  Context context() {
    return context;
  }

  int size() {
    return all.size();
  }

  /** Called once per event on this loop. */
  void deliver(EncodedEvent e) {
    Set<StreamConnection> streams = byTopic.get(e.topic);
    if (streams == null) {
      return;
    }
    for (StreamConnection c : streams) {
      try {
        if (!c.send(e)) {
          toCut.add(c);
        }
      } catch (RuntimeException ex) {
        toCut.add(c);
      }
    }
    stats.deliveries.add(streams.size());
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
    boolean ok = c.write(first);
    for (EncodedEvent e : plan.replay()) {
      ok &= c.send(e);
    }
    if (!ok) {
      cut(c);
      return;
    }
    c.live = true;
    all.add(c);
    for (String topic : c.topics) {
      byTopic.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(c);
    }
    heartbeats.start(c, System.currentTimeMillis());
  }

  /** Forgets a stream: called when the client goes away or the stream is cut. Idempotent. */
  void remove(StreamConnection c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    heartbeats.stop(c);
    if (c.live) {
      all.remove(c);
      for (String topic : c.topics) {
        Set<StreamConnection> set = byTopic.get(topic);
        if (set != null && set.remove(c) && set.isEmpty()) {
          byTopic.remove(topic);
        }
      }
    }
    stats.openStreams.decrement();
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

  void reconfigure(GatewaySettings settings) {
    heartbeats.reconfigure(settings.heartbeatMs(), settings.heartbeatAsComment(), all, System.currentTimeMillis());
  }

  /** Ends every stream, telling clients to come back after {@code retryMs}. */
  void closeAll(long retryMs) {
    for (StreamConnection c : new ArrayList<>(all)) {
      remove(c);
      try {
        c.response.end(SseEncoder.retry(retryMs));
      } catch (RuntimeException ignored) {
        // the client is already gone
      }
    }
  }
}
