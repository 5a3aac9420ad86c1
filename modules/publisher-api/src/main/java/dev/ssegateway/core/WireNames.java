package dev.ssegateway.core;

/** Names on the wire that clients rely on: SSE event types the gateway itself sends, headers, parameters. */
public final class WireNames {

  /** First event of every stream: node, heartbeat interval, stream position. */
  public static final String HELLO = "hello";
  /** Periodic liveness event; its data carries the current {@code heartbeat_ms}. */
  public static final String HEARTBEAT = "heartbeat";
  /** Events between the client's position and the retained history were lost; data says which. */
  public static final String RESET = "reset";
  /**
   * The stream's JWT reached its {@code exp}: the last frame before the stream ends; data names the reason and the
   * {@code exp}. A client gets a fresh token and reconnects at once with its Last-Event-ID (no backoff).
   */
  public static final String EXPIRED = "expired";
  /** An event with an id could not be delivered; data names the id and the reason. */
  public static final String DROPPED = "dropped";
  /**
   * The only event of a stream refused for a reason that retrying fixes ({@code too_many_streams}, ...), sent to
   * clients that accept {@code text/event-stream}; data {@code {"error","message","retry_ms"}}, then the end.
   */
  public static final String REFUSED = "refused";

  public static final String LAST_EVENT_ID_HEADER = "Last-Event-ID";
  public static final String LAST_EVENT_ID_PARAM = "lastEventId";
  public static final String TOPIC_PARAM = "topic";
  public static final String EVENT_PARAM = "event";

  public static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

  private WireNames() {
  }
}
