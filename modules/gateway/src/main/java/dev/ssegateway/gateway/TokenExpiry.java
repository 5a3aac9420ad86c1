package dev.ssegateway.gateway;

import io.vertx.core.Vertx;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Ends the streams of one {@link Lane} whose JWT reaches its {@code exp}. Streams are kept in buckets of one
 * second (an {@code exp} is rounded up to the next whole second) and the lane holds at most one timer, set for
 * the earliest bucket: a stream without {@code exp} costs nothing, and a stream with one ends within a second after
 * it. Lives on the lane's event loop only.
 */
final class TokenExpiry {

  private static final long BUCKET_MS = 1000;

  private final Vertx vertx;
  private final Consumer<StreamConnection> onExpired;
  private final TreeMap<Long, Set<StreamConnection>> buckets = new TreeMap<>();
  private long timerId = -1;
  private long timerAtMs;

  TokenExpiry(Vertx vertx, Consumer<StreamConnection> onExpired) {
    this.vertx = vertx;
    this.onExpired = onExpired;
  }

  /** Watches {@code c} when it has an expiry ({@link StreamConnection#expiresAtMs} above 0). */
  void add(StreamConnection c, long nowMs) {
    if (c.expiresAtMs <= 0) {
      return;
    }
    long bucket = bucketOf(c.expiresAtMs);
    buckets.computeIfAbsent(bucket, b -> new LinkedHashSet<>()).add(c);
    schedule(nowMs);
  }

  /** Stops watching {@code c} (it ended); idempotent. */
  void remove(StreamConnection c) {
    if (c.expiresAtMs <= 0) {
      return;
    }
    long bucket = bucketOf(c.expiresAtMs);
    Set<StreamConnection> set = buckets.get(bucket);
    if (set != null && set.remove(c) && set.isEmpty()) {
      buckets.remove(bucket);
      if (buckets.isEmpty() && timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
    }
  }

  /** Streams watched now (tests). */
  int size() {
    return buckets.values().stream().mapToInt(Set::size).sum();
  }

  /** Whether a timer is pending (tests: none while no stream has an expiry). */
  boolean timerPending() {
    return timerId >= 0;
  }

  private static long bucketOf(long expiresAtMs) {
    long b = (expiresAtMs + BUCKET_MS - 1) / BUCKET_MS;
    return b > Long.MAX_VALUE / BUCKET_MS ? Long.MAX_VALUE : b * BUCKET_MS;
  }

  private void schedule(long nowMs) {
    if (buckets.isEmpty()) {
      return;
    }
    long first = buckets.firstKey();
    if (timerId >= 0 && timerAtMs <= first) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerAtMs = first;
    // Vert.x needs a delay of at least 1 ms; one far in the future is re-armed when it fires
    long delay = Math.max(1, Math.min(first - nowMs, 24L * 3600 * 1000));
    timerId = vertx.setTimer(delay, id -> fire());
  }

  private void fire() {
    timerId = -1;
    long now = System.currentTimeMillis();
    // bounded: each round removes a bucket that is due, and there are finitely many
    while (!buckets.isEmpty() && buckets.firstKey() <= now) {
      Map.Entry<Long, Set<StreamConnection>> due = buckets.pollFirstEntry();
      for (StreamConnection c : due.getValue()) {
        onExpired.accept(c);
      }
    }
    schedule(now);
  }
}
