package dev.ssegateway.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * One loop turn's writes, flushed together at its end: a stream that gets several events in one turn
 * sends them to the kernel in one gathering write instead of one system call each. Outside a batch
 * (a heartbeat timer, say) every write is flushed at once. Lives on its {@link Lane}'s event loop.
 */
final class WriteBatch {

  private final List<ChannelStreamTarget> pending = new ArrayList<>();
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

  void flushLater(ChannelStreamTarget target) {
    pending.add(target);
  }
}
