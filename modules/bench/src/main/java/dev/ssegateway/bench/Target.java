package dev.ssegateway.bench;

/**
 * A server under test and how to talk to it: where streams subscribe, where events are published, and
 * its process (for memory and CPU readings). The three kinds differ only in their URLs.
 */
record Target(String kind, String host, int port, long pid) {

  static final String GATEWAY = "gateway";
  static final String NCHAN = "nchan";
  static final String RAW = "raw";

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
