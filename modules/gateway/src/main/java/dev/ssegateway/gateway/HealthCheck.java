package dev.ssegateway.gateway;

/**
 * One named condition of {@link Health}: evaluated from state that periodic probes and timers keep, never by
 * doing work on request, so that checking health cannot load the gateway.
 */
@FunctionalInterface
public interface HealthCheck {

  /** The outcome: passing, or failing with a one-line reason and, when known, since when (epoch ms, else -1). */
  record Status(boolean ok, String reason, long sinceMs) {

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
