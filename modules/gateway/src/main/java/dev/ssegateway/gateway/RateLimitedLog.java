package dev.ssegateway.gateway;

import org.slf4j.Logger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A warning logged at most once per cause and window, with the count of repeats it held back, so one
 * misbehaving publisher or client cannot flood the log. Thread-safe.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final long windowMs;
  private final Map<String, long[]> causes = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
      return size() > 1000;
    }
  };

  public RateLimitedLog(Logger log, long windowMs) {
    this.log = log;
    this.windowMs = windowMs;
  }

  /** Logs {@code format} unless {@code cause} was logged within the window; returns whether it logged. */
  public boolean warn(String cause, String format, Object... args) {
    long now = System.currentTimeMillis();
    long suppressed;
    synchronized (causes) {
      long[] entry = causes.get(cause);
      if (entry != null && now - entry[0] < windowMs) {
        entry[1]++;
        return false;
      }
      suppressed = entry == null ? 0 : entry[1];
      causes.put(cause, new long[] {now, 0});
    }
    if (suppressed > 0) {
      log.warn(format + " repeated_since_last_line={}", append(args, suppressed));
    } else {
      log.warn(format, args);
    }
    return true;
  }

  private static Object[] append(Object[] args, Object last) {
    Object[] all = new Object[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = last;
    return all;
  }
}
