package dev.ssegateway.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A server under test and how to talk to it: where streams subscribe, where events are published, and
 * its processes (for memory and CPU readings). The three kinds differ only in their URLs. A target can be
 * several processes on one machine (several gateway nodes, each on its own port: {@code ports}); streams
 * are spread over them, publishing goes to the first.
 */
record Target(String kind, String host, List<Integer> ports, List<Long> pids) {

  static final String GATEWAY = "gateway";
  static final String NCHAN = "nchan";
  static final String RAW = "raw";

  Target(String kind, String host, int port, long pid) {
    this(kind, host, List.of(port), pid > 0 ? List.of(pid) : List.of());
  }

  /** From command-line values: {@code ports} and {@code pids} are comma-separated lists. */
  static Target parse(String kind, String host, String ports, String pids) {
    List<Integer> p = new ArrayList<>();
    for (String s : ports.split(",")) {
      p.add(Integer.parseInt(s.trim()));
    }
    List<Long> ids = new ArrayList<>();
    for (String s : pids.split(",")) {
      long id = Long.parseLong(s.trim());
      if (id > 0) {
        ids.add(id);
      }
    }
    return new Target(kind, host, List.copyOf(p), List.copyOf(ids));
  }

  /** The port events are published to (and of the readiness probe). */
  int port() {
    return ports.get(0);
  }

  String subscribePath(String topic) {
    return NCHAN.equals(kind) ? "/sub?topic=" + topic : "/events?topic=" + topic;
  }

  String publishPath(String topic) {
    return switch (kind) {
      case NCHAN -> "/pub?topic=" + topic;
      case GATEWAY -> "/publish/" + topic + "?event=m";
      default -> "/publish/" + topic;
    };
  }

  /** Whether the server keeps a history a stream can resume from with {@code Last-Event-ID}. */
  boolean resumes() {
    return !RAW.equals(kind);
  }
}
