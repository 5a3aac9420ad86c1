package dev.ssegateway.publisher;

/**
 * A joining origin could not learn from a live cluster member the highest sequence that member has seen from it
 * (the member stays in the cluster but does not answer), so it does not start: starting from its clock alone could
 * reuse sequence numbers. The message is one line naming the member and what it answered.
 */
public final class HighWaterUnknownException extends IllegalStateException {

  private final String member;

  HighWaterUnknownException(String member, String message, Throwable cause) {
    super(message, cause);
    this.member = member;
  }

  /** The cluster node id of the member that did not answer. */
  public String member() {
    return member;
  }
}
