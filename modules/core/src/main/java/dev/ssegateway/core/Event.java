package dev.ssegateway.core;

import io.vertx.core.json.JsonObject;

/**
 * One published event. Its identity is assigned at the origin: {@code origin} names the publishing
 * node and {@code seq} is that node's sequence number, contiguous per origin, so every gateway of a
 * cluster names the same event the same way and can tell when it missed one.
 *
 * @param topic     where it is delivered
 * @param type      the SSE {@code event:} name
 * @param data      UTF-8 text, often JSON; may span lines
 * @param origin    name of the node that assigned {@code seq}
 * @param seq       per-origin sequence number
 * @param publishedAtMs wall clock at the origin when it was published
 */
public record Event(String topic, String type, String data, String origin, long seq, long publishedAtMs) {

  static final String TOPIC = "topic";
  static final String TYPE = "type";
  static final String DATA = "data";
  static final String ORIGIN = "origin";
  static final String SEQ = "seq";
  static final String PUBLISHED_AT = "ts";

  /** The event as it travels on {@link BusAddresses#EVENTS}. */
  public JsonObject toBus() {
    return new JsonObject()
        .put(TOPIC, topic)
        .put(TYPE, type)
        .put(DATA, data)
        .put(ORIGIN, origin)
        .put(SEQ, seq)
        .put(PUBLISHED_AT, publishedAtMs);
  }

  /** This event's position as an origin-qualified id, {@code origin.seq}, for logs and notices. */
  public String idText() {
    return Cursor.eventId(origin, seq);
  }

  /**
   * Reads an event from the bus. Anything a publisher can put there is handled: a message that is not an
   * event, or whose fields are missing or invalid, becomes a {@link BadEventException} naming the problem.
   * When the identity ({@code origin}, {@code seq}, {@code topic}) is readable, the exception is a
   * {@link Undeliverable} that carries it, so subscribers can be told what was lost.
   */
  public static Event fromBus(Object body, int maxDataBytes) {
    if (body == null) {
      throw new BadEventException("null_body", "message body is null");
    }
    if (!(body instanceof JsonObject json)) {
      throw new BadEventException("not_an_event", "message body is a " + body.getClass().getName()
          + ", not an event JsonObject");
    }
    Object origin = json.getValue(ORIGIN);
    Object seq = json.getValue(SEQ);
    Object topic = json.getValue(TOPIC);
    if (!(origin instanceof String o) || Cursor.originProblem(o) != null) {
      throw new BadEventException("bad_origin", "event has no valid origin: " + safe(origin));
    }
    if (!(seq instanceof Number n) || n.longValue() <= 0 || n.doubleValue() != n.longValue()) {
      throw new BadEventException("bad_seq", "event from " + o + " has no valid seq: " + safe(seq));
    }
    long s = n.longValue();
    if (!(topic instanceof String t) || (Topics.topicProblem(t) != null && !Topics.PROBE_TOPIC.equals(t))) {
      throw new BadEventException("bad_topic", "event " + Cursor.eventId(o, s) + " has no valid topic: "
          + safe(topic));
    }
    Object type = json.getValue(TYPE);
    String ty = type == null ? Topics.DEFAULT_TYPE : type instanceof String ? (String) type : null;
    String typeProblem = ty == null ? "event type is not a string" : Topics.typeProblem(ty);
    if (typeProblem != null) {
      throw new Undeliverable(t, o, s, "bad_type", typeProblem);
    }
    Object data = json.getValue(DATA);
    if (!(data instanceof String d)) {
      throw new Undeliverable(t, o, s, "bad_data", "event data is " + (data == null ? "missing" : "not a string"));
    }
    if (Utf8.encodedLength(d) > maxDataBytes) {
      throw new Undeliverable(t, o, s, "too_large", "event data is larger than limits.max_event_bytes="
          + maxDataBytes);
    }
    Object ts = json.getValue(PUBLISHED_AT);
    long at = ts instanceof Number ? ((Number) ts).longValue() : 0L;
    return new Event(t, ty, d, o, s, at);
  }

  private static String safe(Object value) {
    return value == null ? "null" : Topics.printable(String.valueOf(value));
  }

  /** A bus message that had a readable identity but cannot be delivered. */
  public static final class Undeliverable extends BadEventException {
    private final String topic;
    private final String origin;
    private final long seq;

    public Undeliverable(String topic, String origin, long seq, String reason, String message) {
      super(reason, message);
      this.topic = topic;
      this.origin = origin;
      this.seq = seq;
    }

    public String topic() { return topic; }
    public String origin() { return origin; }
    public long seq() { return seq; }
  }
}
