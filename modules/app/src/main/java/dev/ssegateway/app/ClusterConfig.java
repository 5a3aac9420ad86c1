package dev.ssegateway.app;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Chooses the Hazelcast configuration of a clustered start. Vert.x reads the system property
 * {@code vertx.hazelcast.config}; when it is not given, {@code conf/cluster.xml} of the working directory
 * is used. Without either the start is refused: Hazelcast's built-in default joins by multicast on a
 * non-loopback interface, which this project never does.
 */
final class ClusterConfig {

  static final String PROPERTY = "vertx.hazelcast.config";
  static final Path DEFAULT = Path.of("conf", "cluster.xml");

  private ClusterConfig() {
  }

  /** Sets the property when needed; returns null when ready, or the reason a clustered start is refused. */
  static String prepare() {
    String given = System.getProperty(PROPERTY);
    if (given == null) {
      String env = System.getenv("SSE_HAZELCAST_CONFIG");
      given = env == null || env.isEmpty() ? null : env;
    }
    if (given != null) {
      if (!given.startsWith("classpath:") && !Files.isRegularFile(Path.of(given))) {
        return "Hazelcast config " + given + " (" + PROPERTY + ") does not exist";
      }
      System.setProperty(PROPERTY, given);
      return null;
    }
    if (Files.isRegularFile(DEFAULT)) {
      System.setProperty(PROPERTY, DEFAULT.toAbsolutePath().toString());
      return null;
    }
    return "-cluster needs a Hazelcast config: run from the project root (conf/cluster.xml) or pass -D"
        + PROPERTY + "=/path/to/cluster.xml";
  }
}
