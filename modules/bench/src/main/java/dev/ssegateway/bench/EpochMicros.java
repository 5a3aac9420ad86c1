package dev.ssegateway.bench;

import java.time.Instant;

/**
 * Wall-clock microseconds that are cheap to read and comparable across processes on one machine: the
 * publisher stamps events with it and the receivers subtract it from their own reading.
 */
final class EpochMicros {

  private static final long BASE;

  static {
    Instant now = Instant.now();
    long nanos = System.nanoTime();
    BASE = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000 - nanos / 1000;
  }

  private EpochMicros() {
  }

  static long now() {
    return BASE + System.nanoTime() / 1000;
  }
}
