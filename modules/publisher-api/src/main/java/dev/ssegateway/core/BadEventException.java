package dev.ssegateway.core;

/** An event that cannot be published or delivered; the message names the problem in one line. */
public class BadEventException extends RuntimeException {

  private final String reason;

  public BadEventException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** A short stable code for metrics and {@code dropped} notices, e.g. {@code too_large}. */
  public String reason() {
    return reason;
  }
}
