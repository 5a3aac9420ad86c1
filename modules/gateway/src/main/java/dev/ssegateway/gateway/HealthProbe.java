package dev.ssegateway.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * Proves, once per interval, that the real stream path works: it publishes a numbered probe event on the
 * event bus like any publisher, and each {@link Lane}'s {@link ProbeSink} notes the probe after the
 * {@link FanOut} took it from the bus, encoded it, kept it in history and handed it to the lane, which wrote it
 * through the same {@link StreamConnection} path as a client's stream. The {@code fanout} check fails when a
 * probe published more than the deadline ago has not reached every lane, or when no probe is being published.
 * It also runs {@link Health#tick} so that every change of health is logged once.
 */
final class HealthProbe extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HealthProbe.class);
  private static final int RING = 256;

  private final String node;
  private final FanOut fanOut;
  private final HealthOptions options;
  private final Health health;
  private final long startedAtMs = System.currentTimeMillis();
  /** Publication time of probe n at [n % RING], and the probe number stored there at the same index of numbers. */
  private final AtomicLongArray sentAtMs = new AtomicLongArray(RING);
  private final AtomicLongArray numbers = new AtomicLongArray(RING);
  private volatile long lastSent;
  private volatile long lastSentAtMs;

  HealthProbe(String node, FanOut fanOut, HealthOptions options, Health health) {
    this.node = node;
    this.fanOut = fanOut;
    this.options = options;
    this.health = health;
  }

  @Override
  public Future<?> start() {
    Consumer<String> publisher = options.getProbePublisher();
    if (publisher == null) {
      LOG.warn("event=health_probe_disabled node={} reason=\"no probe publisher: /health/ready stays 503\"", node);
    }
    vertx.setPeriodic(0, options.getProbeIntervalMs(), id -> {
      if (publisher != null) {
        send(publisher);
      }
      health.tick();
    });
    return Future.succeededFuture();
  }

  private void send(Consumer<String> publisher) {
    long n = lastSent + 1;
    long now = System.currentTimeMillis();
    int slot = (int) (n % RING);
    sentAtMs.set(slot, now);
    numbers.set(slot, n);
    lastSent = n;
    lastSentAtMs = now;
    try {
      publisher.accept(ProbeSink.data(node, n));
    } catch (RuntimeException e) {
      LOG.warn("event=health_probe_not_published node={} cause=\"{}\"", node, e.toString());
    }
  }

  /** When probe {@code n} was published, or, if it is too old to be remembered, a time older than any remembered. */
  private long sentAt(long n) {
    int slot = (int) (n % RING);
    long at = sentAtMs.get(slot);
    return numbers.get(slot) == n ? at : lastSentAtMs - RING * options.getProbeIntervalMs();
  }

  /** The {@code fanout} readiness check. */
  HealthCheck.Status check(long nowMs) {
    long deadline = options.getProbeDeadlineMs();
    if (options.getProbePublisher() == null) {
      return HealthCheck.Status.failing("no probe publisher is configured", startedAtMs);
    }
    long newest = lastSent;
    if (newest == 0) {
      return HealthCheck.Status.starting("starting: no probe published yet", startedAtMs);
    }
    long silentSince = lastSentAtMs + options.getProbeIntervalMs() + deadline;
    if (nowMs > silentSince) {
      return HealthCheck.Status.failing("no probe published for " + (nowMs - lastSentAtMs) + " ms", silentSince);
    }
    List<Lane> lanes = fanOut.lanes();
    if (lanes.isEmpty()) {
      return HealthCheck.Status.failing("no gateway instance is running", startedAtMs);
    }
    String worst = null;
    long since = Long.MAX_VALUE;
    int behind = 0;
    int starting = 0;
    for (int i = 0; i < lanes.size(); i++) {
      long seen = lanes.get(i).probe().lastProbe();
      if (seen >= newest) {
        continue;
      }
      long due = sentAt(seen + 1) + deadline;
      if (nowMs > due) {
        behind++;
        if (due < since) {
          since = due;
          worst = "instance " + i + " has not written probe " + (seen + 1) + " published "
              + (nowMs - sentAt(seen + 1)) + " ms ago (deadline " + deadline + " ms)";
        }
      } else if (seen == 0) {
        starting++;
      }
    }
    if (behind > 0) {
      return HealthCheck.Status.failing(behind + " of " + lanes.size() + " instances stuck: " + worst, since);
    }
    if (starting > 0) {
      return HealthCheck.Status.starting("starting: " + starting + " of " + lanes.size()
          + " instances have not written a probe yet", startedAtMs);
    }
    return HealthCheck.Status.passing("probe " + newest + " path ok on " + lanes.size() + " instances");
  }

  /**
   * Milliseconds since the oldest probe that some instance has not written yet was published; 0 when every
   * instance is up to date. The metric behind "stream path stuck" alerts.
   */
  long oldestUnwrittenAgeMs(long nowMs) {
    long newest = lastSent;
    long oldest = 0;
    for (Lane lane : fanOut.lanes()) {
      long seen = lane.probe().lastProbe();
      if (seen < newest) {
        oldest = Math.max(oldest, nowMs - sentAt(seen + 1));
      }
    }
    return oldest;
  }
}
