package dev.ssegateway.gateway;

import io.vertx.core.spi.cluster.ClusterManager;

import java.util.function.Consumer;

/**
 * How a gateway checks itself: how its health probe is published and how often, and the bounds that make
 * {@code /health/live} and {@code /health/ready} fail. Defaults live next to each field.
 */
public final class HealthOptions {

  public static final long DEFAULT_PROBE_INTERVAL_MS = 1000;
  /** A probe not written by every lane this long after it was published makes the node not ready. */
  public static final long DEFAULT_PROBE_DEADLINE_MS = 3000;
  /** An event loop running its tasks later than this makes the node not ready. */
  public static final long DEFAULT_MAX_LOOP_DELAY_MS = 1000;
  /** An event loop that ran nothing for this long makes the node not live. */
  public static final long DEFAULT_MAX_LOOP_SILENCE_MS = 10_000;

  private Consumer<String> probePublisher;
  private ClusterManager clusterManager;
  private long probeIntervalMs = DEFAULT_PROBE_INTERVAL_MS;
  private long probeDeadlineMs = DEFAULT_PROBE_DEADLINE_MS;
  private long maxLoopDelayMs = DEFAULT_MAX_LOOP_DELAY_MS;
  private long maxLoopSilenceMs = DEFAULT_MAX_LOOP_SILENCE_MS;

  public HealthOptions() {
  }

  public HealthOptions(HealthOptions other) {
    this.probePublisher = other.probePublisher;
    this.clusterManager = other.clusterManager;
    this.probeIntervalMs = other.probeIntervalMs;
    this.probeDeadlineMs = other.probeDeadlineMs;
    this.maxLoopDelayMs = other.maxLoopDelayMs;
    this.maxLoopSilenceMs = other.maxLoopSilenceMs;
  }

  /**
   * Publishes a probe's data on the event bus as an event of topic {@link dev.ssegateway.core.Topics#PROBE_TOPIC},
   * type {@link dev.ssegateway.core.Topics#PROBE_TYPE}, with this node's origin (the app uses
   * {@code EventPublisher.publishProbe}). Without one, no probe runs and the node is never ready.
   */
  public Consumer<String> getProbePublisher() {
    return probePublisher;
  }

  public HealthOptions setProbePublisher(Consumer<String> probePublisher) {
    this.probePublisher = probePublisher;
    return this;
  }

  /**
   * The cluster manager the node's Vert.x was built with, read by the {@code cluster} readiness check; required
   * when that Vert.x is clustered (the gateway refuses to start without it), unused otherwise.
   */
  public ClusterManager getClusterManager() {
    return clusterManager;
  }

  public HealthOptions setClusterManager(ClusterManager clusterManager) {
    this.clusterManager = clusterManager;
    return this;
  }

  public long getProbeIntervalMs() {
    return probeIntervalMs;
  }

  public HealthOptions setProbeIntervalMs(long probeIntervalMs) {
    this.probeIntervalMs = positive("probeIntervalMs", probeIntervalMs);
    return this;
  }

  public long getProbeDeadlineMs() {
    return probeDeadlineMs;
  }

  public HealthOptions setProbeDeadlineMs(long probeDeadlineMs) {
    this.probeDeadlineMs = positive("probeDeadlineMs", probeDeadlineMs);
    return this;
  }

  public long getMaxLoopDelayMs() {
    return maxLoopDelayMs;
  }

  public HealthOptions setMaxLoopDelayMs(long maxLoopDelayMs) {
    this.maxLoopDelayMs = positive("maxLoopDelayMs", maxLoopDelayMs);
    return this;
  }

  public long getMaxLoopSilenceMs() {
    return maxLoopSilenceMs;
  }

  public HealthOptions setMaxLoopSilenceMs(long maxLoopSilenceMs) {
    this.maxLoopSilenceMs = positive("maxLoopSilenceMs", maxLoopSilenceMs);
    return this;
  }

  private static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
    return value;
  }
}
