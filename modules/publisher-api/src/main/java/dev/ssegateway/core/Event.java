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
 * @param startsAbove   on the first event of an origin incarnation (a publisher that (re)started), the highest
 *                      seq of the origin any live member had seen when it started (0 if none): the seqs between
 *                      that and this event's were never published, so a node that has seen up to it missed
 *                      nothing. {@link #NOT_FIRST} on every other event: a seq jump there means events were lost.
 */
public record Event(String topic, String type, String data, String origin, long seq, long publishedAtMs,
                    long startsAbove) {

  /** {@link #startsAbove} of an event that is not the first of its origin incarnation (also: the field is absent). */
  public static final long NOT_FIRST = -1;

  static final String TOPIC = "topic";
  static final String TYPE = "type";
  static final String DATA = "data";
  static final String ORIGIN = "origin";
  static final String SEQ = "seq";
  static final String PUBLISHED_AT = "ts";
  /** Bus field of {@link #startsAbove}: present on the first event of an origin incarnation only. */
  static final String STARTS_ABOVE = "starts_above";

  /** An event that is not the first of its origin incarnation. */
  public Event(String topic, String type, String data, String origin, long seq, long publishedAtMs) {
    this(topic, type, data, origin, seq, publishedAtMs, NOT_FIRST);
  }

  /** Whether this is the first event of its origin incarnation ({@link #startsAbove} is set). */
  public boolean first() {
    return startsAbove >= 0;
  }

  /** The event as it travels on {@link BusAddresses#EVENTS}. */
  public JsonObject toBus() {
    JsonObject json = new JsonObject()
        .put(TOPIC, topic)
        .put(TYPE, type)
        .put(DATA, data)
        .put(ORIGIN, origin)
        .put(SEQ, seq)
        .put(PUBLISHED_AT, publishedAtMs);
    return first() ? json.put(STARTS_ABOVE, startsAbove) : json;
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
    long above = startsAbove(json);
    if (!(topic instanceof String t) || (Topics.topicProblem(t) != null && !Topics.PROBE_TOPIC.equals(t))) {
      throw new BadEventException("bad_topic", "event " + Cursor.eventId(o, s) + " has no valid topic: "
          + safe(topic));
    }
    Object type = json.getValue(TYPE);
    String ty = type == null ? Topics.DEFAULT_TYPE : type instanceof String ? (String) type : null;
    String typeProblem = ty == null ? "event type is not a string" : Topics.typeProblem(ty);
    if (typeProblem != null) {
      throw new Undeliverable(t, o, s, above, "bad_type", typeProblem);
    }
    Object data = json.getValue(DATA);
    if (!(data instanceof String d)) {
      throw new Undeliverable(t, o, s, above, "bad_data", "event data is " + (data == null ? "missing" : "not a string"));
    }
    if (Utf8.encodedLength(d) > maxDataBytes) {
      throw new Undeliverable(t, o, s, above, "too_large", "event data is larger than limits.max_event_bytes="
          + maxDataBytes);
    }
    Object ts = json.getValue(PUBLISHED_AT);
    long at = ts instanceof Number ? ((Number) ts).longValue() : 0L;
    return new Event(t, ty, d, o, s, at, above);
  }

  /**
   * The {@code starts_above} mark of a bus event: a non-negative integer, or {@link #NOT_FIRST} when it is absent
   * or not a valid number (a member of an earlier version; a node then takes a seq jump as loss, which it tells).
   */
  private static long startsAbove(JsonObject json) {
    Object v = json.getValue(STARTS_ABOVE);
    return v instanceof Number m && m.longValue() >= 0 && m.doubleValue() == m.longValue() ? m.longValue() : NOT_FIRST;
  }

  private static String safe(Object value) {
    return value == null ? "null" : Topics.printable(String.valueOf(value));
  }

  /** A bus message that had a readable identity but cannot be delivered. */
  public static final class Undeliverable extends BadEventException {
    private final String topic;
    private final String origin;
    private final long seq;
    private final long startsAbove;

    public Undeliverable(String topic, String origin, long seq, String reason, String message) {
      this(topic, origin, seq, NOT_FIRST, reason, message);
    }

    public Undeliverable(String topic, String origin, long seq, long startsAbove, String reason, String message) {
      super(reason, message);
      this.topic = topic;
      this.origin = origin;
      this.seq = seq;
      this.startsAbove = startsAbove;
    }

    public String topic() { return topic; }
    public String origin() { return origin; }
    public long seq() { return seq; }
    /** The event's {@link Event#startsAbove} mark. */
    public long startsAbove() { return startsAbove; }
  }
}
