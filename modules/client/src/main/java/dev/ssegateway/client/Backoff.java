package dev.ssegateway.client;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.DoubleSupplier;

/**
 * The reconnect delay policy: exponential backoff with jitter, so that a crowd of clients facing a slow
 * or restarting server spreads out instead of storming it.
 *
 * <p>Failed attempt {@code n} (counted from 0 since the last received event) waits
 * {@code min(max, base * 2^n)} jittered uniformly by {@code +/- jitter}. Any received event, heartbeats
 * included, resets the count. A server's {@code retry:} replaces the base. A {@code Retry-After} from a
 * 429/503 is honoured as the delay, jittered upwards only ({@code +0 .. +jitter}) so that it is never
 * shortened. Not thread-safe: used on the client's context only. Holds no clock: it only computes delays.
 */
public final class Backoff {

  /** Upper bound applied to a server's {@code Retry-After}, so a bogus value cannot park a client for days. */
  public static final long MAX_RETRY_AFTER_MS = 3_600_000;

  private final long maxDelayMs;
  private final double jitter;
  private final DoubleSupplier random;
  private long baseDelayMs;
  private int attempt;

  /**
   * @param baseDelayMs delay of the first failed attempt, before jitter (> 0)
   * @param maxDelayMs  cap of the un-jittered delay (>= baseDelayMs)
   * @param jitter      relative jitter in [0, 1)
   * @param random      uniform source in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
   */
  public Backoff(long baseDelayMs, long maxDelayMs, double jitter, DoubleSupplier random) {
    if (baseDelayMs <= 0 || maxDelayMs < baseDelayMs) {
      throw new IllegalArgumentException("need 0 < baseDelayMs <= maxDelayMs, got " + baseDelayMs + ", " + maxDelayMs);
    }
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
    }
    this.baseDelayMs = baseDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.jitter = jitter;
    this.random = random;
  }

  /** Failed attempts since the last received event. */
  public int attempt() {
    return attempt;
  }

  public long baseDelayMs() {
    return baseDelayMs;
  }

  /** A server's {@code retry:} value replaces the base (ignored when not positive). */
  public void base(long retryMs) {
    if (retryMs > 0) {
      baseDelayMs = Math.min(retryMs, maxDelayMs);
    }
  }

  /** An event (any event, heartbeat included) arrived: the next failure starts from the base again. */
  public void reset() {
    attempt = 0;
  }

  /** The un-jittered delay of the current attempt: {@code min(max, base * 2^attempt)}. */
  public long nominalDelayMs() {
    long delay = baseDelayMs;
    for (int i = 0; i < attempt && delay < maxDelayMs; i++) {
      delay *= 2;
    }
    return Math.min(delay, maxDelayMs);
  }

  /** Records a failed attempt and returns how long to wait before the next one. */
  public long nextDelayMs() {
    long nominal = nominalDelayMs();
    attempt++;
    double factor = 1 + jitter * (2 * unit() - 1);
    return Math.max(1, Math.round(nominal * factor));
  }

  /**
   * Records a failed attempt the server answered with {@code Retry-After}: waits that long, plus
   * {@code 0 .. jitter} of it so that the clients it turned away do not all come back at once.
   */
  public long retryAfterDelayMs(long retryAfterMs) {
    attempt++;
    long honoured = Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
    return Math.max(1, Math.round(honoured * (1 + jitter * unit())));
  }

  private double unit() {
    double u = random.getAsDouble();
    return u < 0 ? 0 : Math.min(u, 1);
  }

  /**
   * Parses a {@code Retry-After} header: delta-seconds or an HTTP-date.
   *
   * @return milliseconds to wait, or -1 when absent or unreadable
   */
  public static long parseRetryAfter(String value, long nowEpochMs) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    String v = value.trim();
    if (v.chars().allMatch(Character::isDigit)) {
      if (v.length() > 9) {
        return MAX_RETRY_AFTER_MS;
      }
      return Long.parseLong(v) * 1000;
    }
    try {
      long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.max(0, at - nowEpochMs);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  @Override
  public String toString() {
    return "Backoff[base=" + Duration.ofMillis(baseDelayMs) + ", max=" + Duration.ofMillis(maxDelayMs)
        + ", jitter=" + jitter + ", attempt=" + attempt + "]";
  }
}
