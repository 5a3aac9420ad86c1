package dev.ssegateway.gateway;

/**
 * One named condition of {@link Health}: evaluated from state that periodic probes and timers keep, never by
 * doing work on request, so that checking health cannot load the gateway.
 */
@FunctionalInterface
public interface HealthCheck {

  /**
   * The outcome: passing, or failing with a one-line reason and, when known, since when (epoch ms, else -1).
   * {@code starting}: failing only because the node has not finished starting (not ready, but nothing is wrong
   * yet, so no {@code health_check_failing} line).
   */
  record Status(boolean ok, String reason, long sinceMs, boolean starting) {

    public Status(boolean ok, String reason, long sinceMs) {
      this(ok, reason, sinceMs, false);
    }

    /** Not ready yet because the node is still starting, within the time it may take to. */
    public static Status starting(String reason, long sinceMs) {
      return new Status(false, reason, sinceMs, true);
    }

    public static Status passing(String detail) {
      return new Status(true, detail, -1);
    }

    public static Status failing(String reason, long sinceMs) {
      return new Status(false, reason, sinceMs);
    }

    public static Status failing(String reason) {
      return new Status(false, reason, -1);
    }
  }

  Status check(long nowMs);
}
