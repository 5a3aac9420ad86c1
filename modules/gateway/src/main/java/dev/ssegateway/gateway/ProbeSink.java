package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import dev.ssegateway.core.Topics;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * A lane's internal subscriber of {@link Topics#PROBE_TOPIC}: instead of a socket, it reads the frames the
 * lane writes to it and notes the number of the latest probe of its own node that arrived. It is written on
 * the lane's event loop and read by the health check from any thread. It never owes anything, so it is never
 * cut, and it is no stream: it counts in no stream metric and gets no heartbeat.
 */
final class ProbeSink implements StreamTarget {

  /** Probe data fields: the node that sent it and its number. */
  static final String NODE = "node";
  static final String NUMBER = "n";

  private final String node;
  private final SseParser parser = new SseParser(this::onFrame);
  private volatile long lastProbe;
  private volatile long lastArrivalMs;

  ProbeSink(String node) {
    this.node = node;
  }

  /** The data of probe {@code n} sent by {@code node}. */
  static String data(String node, long n) {
    return new JsonObject().put(NODE, node).put(NUMBER, n).encode();
  }

  @Override
  public void write(Buffer bytes) {
    try {
      parser.feed(bytes);
    } catch (RuntimeException e) {
      // not a well-formed probe frame: it proves nothing, and it must not break the lane
    }
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  private void onFrame(SseFrame frame) {
    if (!Topics.PROBE_TYPE.equals(frame.type())) {
      return;
    }
    JsonObject probe = new JsonObject(frame.data());
    if (node.equals(probe.getString(NODE))) {
      long n = probe.getLong(NUMBER, 0L);
      if (n > lastProbe) {
        lastProbe = n;
        lastArrivalMs = System.currentTimeMillis();
      }
    }
  }

  /** The highest probe number of this node that reached this lane's write path; 0 before the first. */
  long lastProbe() {
    return lastProbe;
  }

  long lastArrivalMs() {
    return lastArrivalMs;
  }
}
