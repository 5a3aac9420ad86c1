package dev.ssegateway.client;

/**
 * Where an {@link SseClient} stands. {@link Failed} and {@link Closed} are terminal; every other state can
 * follow any other.
 */
public sealed interface ConnectionState {

  /** True for {@link Failed} and {@link Closed}: the client will not connect again. */
  default boolean isTerminal() {
    return this instanceof Failed || this instanceof Closed;
  }

  /** A request to {@code url} is under way. */
  record Connecting(String url, String lastEventId) implements ConnectionState {
    @Override
    public String toString() {
      return "CONNECTING " + url + (lastEventId == null ? "" : " Last-Event-ID=" + lastEventId);
    }
  }

  /** The stream is open; {@code node} is the gateway node named by {@code hello} (empty if none). */
  record Connected(String url, String node) implements ConnectionState {
    @Override
    public String toString() {
      return "CONNECTED " + url + (node.isEmpty() ? "" : " node=" + node);
    }
  }

  /** The last attempt failed or the stream died; the next attempt starts in {@code delayMs}. */
  record Reconnecting(long delayMs, int attempt, String reason) implements ConnectionState {
    @Override
    public String toString() {
      return "RECONNECTING in " + delayMs + " ms (attempt " + attempt + "): " + reason;
    }
  }

  /** The server refused the request in a way retrying cannot fix (e.g. 401, 404). Terminal. */
  record Failed(String reason) implements ConnectionState {
    @Override
    public String toString() {
      return "FAILED: " + reason;
    }
  }

  /** {@link SseClient#close()} was called. Terminal. */
  record Closed() implements ConnectionState {
    @Override
    public String toString() {
      return "CLOSED";
    }
  }
}
