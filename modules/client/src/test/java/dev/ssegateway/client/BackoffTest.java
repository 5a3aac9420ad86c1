package dev.ssegateway.client;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

  private static final double[] UNITS = {0.0, 0.1, 0.5, 0.9, 0.999999, 1.0};

  private static long nominal(int n) {
    return Math.min(30_000, 500L << Math.min(n, 20));
  }

  @Test
  void attemptNWaitsWithinQuarterJitterOfCappedExponential() {
    for (double u : UNITS) {
      Backoff backoff = new Backoff(500, 30_000, 0.25, () -> u);
      for (int n = 0; n < 40; n++) {
        long delay = backoff.nextDelayMs();
        long nominal = nominal(n);
        assertTrue(delay >= Math.floor(0.75 * nominal) && delay <= Math.ceil(1.25 * nominal),
            "attempt " + n + " u=" + u + ": " + delay + " not within 0.75..1.25 x " + nominal);
        assertEquals(n + 1, backoff.attempt());
      }
    }
  }

  @Test
  void extremesOfTheRandomSourceHitTheBounds() {
    assertEquals(375, new Backoff(500, 30_000, 0.25, () -> 0.0).nextDelayMs());
    assertEquals(625, new Backoff(500, 30_000, 0.25, () -> 1.0).nextDelayMs());
    assertEquals(500, new Backoff(500, 30_000, 0.25, () -> 0.5).nextDelayMs());
    Backoff low = new Backoff(500, 30_000, 0.25, () -> 0.0);
    Backoff high = new Backoff(500, 30_000, 0.25, () -> 1.0);
    for (int n = 0; n < 10; n++) {
      low.nextDelayMs();
      high.nextDelayMs();
    }
    assertEquals(22_500, low.nextDelayMs(), "capped at 30 s, minus 25 %");
    assertEquals(37_500, high.nextDelayMs(), "capped at 30 s, plus 25 %");
    // out-of-range sources are clamped, never outside the bounds
    assertEquals(375, new Backoff(500, 30_000, 0.25, () -> -3).nextDelayMs());
    assertEquals(625, new Backoff(500, 30_000, 0.25, () -> 7).nextDelayMs());
  }

  @Test
  void delaysDoubleUntilTheCap() {
    Backoff backoff = new Backoff(500, 30_000, 0.25, () -> 0.5);
    long[] expected = {500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000};
    for (long e : expected) {
      assertEquals(e, backoff.nextDelayMs());
    }
    for (int n = 0; n < 1000; n++) {
      assertEquals(30_000, backoff.nextDelayMs(), "no overflow after many attempts");
    }
  }

  @Test
  void anyReceivedEventResetsTheAttemptCounter() {
    Backoff backoff = new Backoff(500, 30_000, 0.25, () -> 0.5);
    backoff.nextDelayMs();
    backoff.nextDelayMs();
    assertEquals(2000, backoff.nextDelayMs());
    backoff.reset();
    assertEquals(0, backoff.attempt());
    assertEquals(500, backoff.nextDelayMs());
  }

  @Test
  void serverRetryReplacesTheBase() {
    Backoff backoff = new Backoff(500, 30_000, 0.25, () -> 0.5);
    backoff.base(2000);
    assertEquals(2000, backoff.nextDelayMs());
    assertEquals(4000, backoff.nextDelayMs());
    backoff.base(0);
    assertEquals(2000, backoff.baseDelayMs(), "a non-positive retry is ignored");
    backoff.base(10_000_000);
    assertEquals(30_000, backoff.baseDelayMs(), "a retry beyond the cap is capped");
  }

  @Test
  void retryAfterIsHonouredAndOnlyJitteredUpwards() {
    assertEquals(1000, new Backoff(500, 30_000, 0.25, () -> 0.0).retryAfterDelayMs(1000));
    assertEquals(1250, new Backoff(500, 30_000, 0.25, () -> 1.0).retryAfterDelayMs(1000));
    Backoff backoff = new Backoff(500, 30_000, 0.25, () -> 0.0);
    assertEquals(120_000, backoff.retryAfterDelayMs(120_000), "Retry-After may exceed the backoff cap");
    assertEquals(1, backoff.attempt(), "a Retry-After answer is a failed attempt");
    assertEquals(Backoff.MAX_RETRY_AFTER_MS, backoff.retryAfterDelayMs(Long.MAX_VALUE));
  }

  @Test
  void retryAfterParsesSecondsAndHttpDates() {
    long now = 1_700_000_000_000L;
    assertEquals(1000, Backoff.parseRetryAfter("1", now));
    assertEquals(120_000, Backoff.parseRetryAfter(" 120 ", now));
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(now + 5000), ZoneOffset.UTC));
    assertEquals(5000, Backoff.parseRetryAfter(date, now));
    assertEquals(-1, Backoff.parseRetryAfter(null, now));
    assertEquals(-1, Backoff.parseRetryAfter("soon", now));
    assertEquals(-1, Backoff.parseRetryAfter("-5", now));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 30_000, 0.25, () -> 0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(500, 100, 0.25, () -> 0));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(500, 30_000, 1.0, () -> 0));
  }
}
