package dev.ssegateway.core;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names that reach the wire: topics and event types. Both are restricted to a safe alphabet so that
 * no name can break an SSE frame (CR, LF, NUL, colon-prefixed fields) or a URL path segment.
 */
public final class Topics {

  public static final String TOPIC_REGEX = "[A-Za-z0-9_][A-Za-z0-9._:-]{0,127}";
  public static final String TYPE_REGEX = "[A-Za-z0-9_][A-Za-z0-9._:-]{0,63}";
  /**
   * The gateway's own health-probe topic. It starts with a character {@link #TOPIC_REGEX} forbids, so no
   * client can subscribe to it and no publisher can use it; only {@link Event#fromBus} lets it through.
   */
  public static final String PROBE_TOPIC = ".probe";
  /** Event type of a health probe. */
  public static final String PROBE_TYPE = "probe";
  /** Event type of an event published without one; browsers deliver it to {@code onmessage}. */
  public static final String DEFAULT_TYPE = "message";

  private static final Pattern TOPIC = Pattern.compile(TOPIC_REGEX);
  private static final Pattern TYPE = Pattern.compile(TYPE_REGEX);
  private static final Set<String> RESERVED_TYPES = Set.of(
      WireNames.HELLO, WireNames.HEARTBEAT, WireNames.RESET, WireNames.DROPPED, WireNames.EXPIRED,
      WireNames.REFUSED);

  private Topics() {
  }

  /** Null when valid, otherwise a one-line reason naming the topic. */
  public static String topicProblem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "topic is missing";
    }
    if (!TOPIC.matcher(topic).matches()) {
      return "topic '" + printable(topic) + "' is invalid: 1..128 characters of A-Z a-z 0-9 _ . : -, not starting with . : -";
    }
    return null;
  }

  /** Null when valid for a publisher, otherwise a one-line reason naming the type. */
  public static String typeProblem(String type) {
    if (type == null || type.isEmpty()) {
      return "event type is missing";
    }
    if (!TYPE.matcher(type).matches()) {
      return "event type '" + printable(type) + "' is invalid: 1..64 characters of A-Z a-z 0-9 _ . : -, not starting with . : -";
    }
    if (RESERVED_TYPES.contains(type)) {
      return "event type '" + type + "' is reserved by the gateway (" + String.join(", ", RESERVED_TYPES) + ")";
    }
    return null;
  }

  /** A name made safe for an error message: control characters escaped, cut at 140 characters. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 140; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
