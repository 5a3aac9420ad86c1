package dev.ssegateway.gateway;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Open streams per client address on one node, shared by every event loop without locks: a stream takes
 * a slot when it opens ({@link #tryAcquire}) and gives it back when it ends ({@link #release}), so one
 * address cannot hold more than {@code limits.max_connections_per_address} streams. Addresses with no
 * stream are forgotten, so the map stays as small as the set of connected addresses.
 */
final class AddressCounts {

  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  /** Takes a slot for {@code address} unless it holds {@code max} already; returns whether it did. */
  boolean tryAcquire(String address, int max) {
    boolean[] taken = {false};
    open.compute(address, (a, n) -> {
      int count = n == null ? 0 : n;
      if (count >= max) {
        return n;
      }
      taken[0] = true;
      return count + 1;
    });
    return taken[0];
  }

  void release(String address) {
    open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  /** Streams {@code address} holds now. */
  int of(String address) {
    return open.getOrDefault(address, 0);
  }

  /** Addresses holding at least one stream. */
  int addresses() {
    return open.size();
  }
}
