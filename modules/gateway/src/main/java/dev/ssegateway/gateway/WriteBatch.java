package dev.ssegateway.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * One loop turn's writes, flushed together at its end: a stream that gets several events in one turn
 * sends them to the kernel in one gathering write instead of one system call each. Outside a batch
 * (a heartbeat timer, say) every write is flushed at once. Lives on its {@link Lane}'s event loop.
 */
final class WriteBatch {

  /** A stream whose written bytes wait for the batch's end to be flushed ({@link ChannelStreamTarget}). */
  interface Flushable {
    void flush();
  }

  private final List<Flushable> pending = new ArrayList<>();
  private int depth;

  void begin() {
    depth++;
  }

  /** Ends the batch; the outermost end flushes every stream written in it. */
  void end() {
    if (--depth > 0) {
      return;
    }
    for (int i = 0; i < pending.size(); i++) {
      pending.get(i).flush();
    }
    pending.clear();
  }

  boolean open() {
    return depth > 0;
  }

  void flushLater(Flushable target) {
    pending.add(target);
  }
}
