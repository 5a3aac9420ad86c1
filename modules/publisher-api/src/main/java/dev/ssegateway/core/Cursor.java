package dev.ssegateway.core;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A stream position: for each origin, the highest sequence number covered. It is the SSE {@code id:}
 * the gateway sends, written {@code origin.seq[,origin.seq...]} with seq in base 36, e.g.
 * {@code node1.kx3b2q9a,node2.kx3b2rz1}: only CORS-safe bytes, so that a browser sends it back cross-origin
 * without a preflight while it is at most 128 bytes. {@link #parse} also reads the {@code origin:seq} form of
 * earlier versions. A client that presents it with {@code Last-Event-ID} has
 * received every event of its topics up to those numbers, whichever gateway it talks to next.
 * The position before any event is written {@value #EMPTY_TEXT}, never as an empty id (which a browser
 * would not send back): a client whose stream dies before its first event still resumes from it.
 * Immutable.
 */
public final class Cursor {

  public static final Cursor EMPTY = new Cursor(new TreeMap<>());
  /** The text of {@link #EMPTY}. */
  public static final String EMPTY_TEXT = "-";
  /** Between an origin and its seq, in ids: a CORS-safe byte (a {@code :} would cost browsers a preflight). */
  public static final char SEPARATOR = '.';
  /** Longest origin name. */
  public static final int MAX_ORIGIN_LENGTH = 32;
  /** Longest seq in base 36: {@code Long.MAX_VALUE} is 13 characters. */
  public static final int MAX_SEQ_LENGTH = Long.toString(Long.MAX_VALUE, 36).length();
  /**
   * Most origins an id names. A gateway never names more (it refuses events of a further origin, reason
   * {@code too_many_origins}, and prunes origins that left, see the fan-out), so every id it sends is one
   * {@link #parse} accepts.
   */
  public static final int MAX_ORIGINS = 128;
  /**
   * Longest id text: {@link #MAX_ORIGINS} entries of the longest origin and seq, with their {@code :} and
   * {@code ,} (6,015 characters). Derived, so that no id a gateway sends is refused as too long.
   */
  public static final int MAX_TEXT_LENGTH = MAX_ORIGINS * (MAX_ORIGIN_LENGTH + 1 + MAX_SEQ_LENGTH + 1) - 1;
  private static final Pattern ORIGIN = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_ORIGIN_LENGTH + "}");

  private final TreeMap<String, Long> positions;

  private Cursor(TreeMap<String, Long> positions) {
    this.positions = positions;
  }

  /** Null when {@code origin} is a valid origin name, otherwise why not. */
  public static String originProblem(String origin) {
    return origin != null && ORIGIN.matcher(origin).matches() ? null
        : "origin must be 1..32 characters of A-Z a-z 0-9 _ -";
  }

  public static String formatSeq(long seq) {
    return Long.toString(seq, 36);
  }

  /** The id of one event: {@code origin.seq}, seq in base 36. */
  public static String eventId(String origin, long seq) {
    return origin + SEPARATOR + formatSeq(seq);
  }

  /**
   * Parses a {@code Last-Event-ID}.
   *
   * @throws IllegalArgumentException with a one-line reason when it is not a cursor this gateway issued
   */
  public static Cursor parse(String text) {
    if (text == null || text.isEmpty() || text.equals(EMPTY_TEXT)) {
      return EMPTY;
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException("Last-Event-ID is longer than " + MAX_TEXT_LENGTH + " characters");
    }
    TreeMap<String, Long> positions = new TreeMap<>();
    for (String part : text.split(",", -1)) {
      int dot = part.indexOf(SEPARATOR);
      int colon = dot >= 0 ? dot : part.indexOf(':');
      String origin = colon < 0 ? part : part.substring(0, colon);
      if (colon < 0 || originProblem(origin) != null) {
        throw new IllegalArgumentException("Last-Event-ID '" + Topics.printable(text)
            + "' is not a gateway cursor: expected origin.seq[,origin.seq...]");
      }
      long seq;
      try {
        seq = Long.parseLong(part.substring(colon + 1), 36);
      } catch (NumberFormatException e) {
        seq = -1;
      }
      if (seq < 0) {
        throw new IllegalArgumentException("Last-Event-ID '" + Topics.printable(text)
            + "' has an invalid sequence number for origin " + origin);
      }
      if (positions.put(origin, seq) != null) {
        throw new IllegalArgumentException("Last-Event-ID names origin " + origin + " twice");
      }
    }
    if (positions.size() > MAX_ORIGINS) {
      throw new IllegalArgumentException("Last-Event-ID names more than " + MAX_ORIGINS + " origins");
    }
    return new Cursor(positions);
  }

  /** The covered seq of {@code origin}, or -1 when this cursor does not name it. */
  public long position(String origin) {
    Long seq = positions.get(origin);
    return seq == null ? -1 : seq;
  }

  public boolean isEmpty() {
    return positions.isEmpty();
  }

  public Map<String, Long> positions() {
    return Collections.unmodifiableMap(positions);
  }

  /** This cursor moved to {@code seq} for {@code origin} (never backwards). */
  public Cursor advance(String origin, long seq) {
    Long current = positions.get(origin);
    if (current != null && current >= seq) {
      return this;
    }
    TreeMap<String, Long> next = new TreeMap<>(positions);
    next.put(origin, seq);
    return new Cursor(next);
  }

  /** This cursor without {@code origin}. */
  public Cursor without(String origin) {
    if (!positions.containsKey(origin)) {
      return this;
    }
    TreeMap<String, Long> next = new TreeMap<>(positions);
    next.remove(origin);
    return new Cursor(next);
  }

  /** The highest position of each origin in either cursor. */
  public Cursor merge(Cursor other) {
    Cursor result = this;
    for (Map.Entry<String, Long> e : other.positions.entrySet()) {
      result = result.advance(e.getKey(), e.getValue());
    }
    return result;
  }

  /** True when this cursor is at or beyond {@code other} for every origin {@code other} names. */
  public boolean covers(Cursor other) {
    for (Map.Entry<String, Long> e : other.positions.entrySet()) {
      if (position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** The id text; built on each call (not cached, so a cursor retained in a history stays small). */
  @Override
  public String toString() {
    if (positions.isEmpty()) {
      return EMPTY_TEXT;
    }
    StringBuilder b = new StringBuilder(positions.size() * 20);
    positions.forEach((origin, seq) -> {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(origin).append(SEPARATOR).append(formatSeq(seq));
    });
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cursor && ((Cursor) o).positions.equals(positions);
  }

  @Override
  public int hashCode() {
    return positions.hashCode();
  }
}
