package dev.ssegateway.core;

/**
 * Every event bus address of the gateway. All events travel on one address: every gateway needs every
 * event of every topic for its resume history, so per-topic addresses would buy nothing.
 */
public final class BusAddresses {

  /** Published events ({@link Event#toBus()}), consumed by every node's fan-out. */
  public static final String EVENTS = "sse-gateway.events";
  /** Accepted settings, node-local: the config verticle publishes, gateway instances apply. */
  public static final String SETTINGS_LOCAL = "sse-gateway.settings.local";
  /** Settings changed through the admin endpoint, for every node of the cluster. */
  public static final String SETTINGS_CLUSTER = "sse-gateway.settings.cluster";
  /**
   * Node-local requests to change settings (the admin endpoint's {@code PUT}), answered by this node's
   * config verticle, the only writer of {@link LiveSettings}.
   */
  public static final String SETTINGS_CHANGE_REQUEST = "sse-gateway.settings.change-request";

  /**
   * Node-local: the fan-out answers an origin name (String) with the highest seq it has taken from that origin
   * (Long, 0 for none). Registered before the fan-out takes its first event.
   */
  public static final String ORIGIN_SEQ_LOCAL = "sse-gateway.origin-seq.local";

  /**
   * Clustered requests for a gateway's live limits, answered by any gateway node's config verticle with
   * {@code {"limits.max_event_bytes": n}}: a publisher-only member asks once when it installs its publisher.
   */
  public static final String LIMITS_REQUEST = "sse-gateway.limits.request";
  /** Published cluster-wide by a gateway node whose {@code limits.max_event_bytes} changed (same body). */
  public static final String LIMITS_CHANGED = "sse-gateway.limits.changed";
  /** The key of the event size limit in {@link #LIMITS_REQUEST} answers and {@link #LIMITS_CHANGED} messages. */
  public static final String MAX_EVENT_BYTES_KEY = "limits.max_event_bytes";

  /**
   * The clustered address of one member's answer to {@link #ORIGIN_SEQ_LOCAL}: a (re)joining origin asks every
   * live member for the highest seq it has seen from it, so that it never reuses one.
   */
  public static String originSeq(String clusterNodeId) {
    return "sse-gateway.origin-seq." + clusterNodeId;
  }

  private BusAddresses() {
  }
}
