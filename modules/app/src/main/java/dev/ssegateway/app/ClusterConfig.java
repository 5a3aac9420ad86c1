package dev.ssegateway.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Chooses the Hazelcast configuration of a clustered start. Vert.x reads the system property
 * {@code vertx.hazelcast.config}; when it is not given ({@code -D} or {@code SSE_HAZELCAST_CONFIG}),
 * {@code conf/cluster.xml} of the working directory is used. Without either the start is refused:
 * Hazelcast's built-in default joins by multicast on a non-loopback interface, which this project never
 * does. The variables of {@code cluster.xml} get their values from {@code -D}, else from the environment,
 * else loopback defaults.
 */
final class ClusterConfig {

  static final String PROPERTY = "vertx.hazelcast.config";
  static final Path DEFAULT = Path.of("conf", "cluster.xml");

  /** System property, environment variable, default: the variables {@code conf/cluster.xml} uses. */
  static final Map<String, String[]> VARIABLES = Map.of(
      "sse.cluster.name", new String[] {"SSE_CLUSTER_NAME", "sse-gateway"},
      "sse.cluster.members", new String[] {"SSE_CLUSTER_MEMBERS", "127.0.0.1"},
      "sse.cluster.interface", new String[] {"SSE_CLUSTER_INTERFACE", "127.0.0.1"},
      "sse.cluster.port", new String[] {"SSE_CLUSTER_PORT", "5801"});

  private ClusterConfig() {
  }

  /** Sets the properties; returns null when ready, or the reason a clustered start is refused. */
  static String prepare(Map<String, String> env) {
    VARIABLES.forEach((property, envAndDefault) -> {
      if (System.getProperty(property) == null) {
        String fromEnv = env.get(envAndDefault[0]);
        System.setProperty(property, fromEnv == null || fromEnv.isBlank() ? envAndDefault[1] : fromEnv.trim());
      }
    });
    String given = System.getProperty(PROPERTY);
    if (given == null) {
      String fromEnv = env.get("SSE_HAZELCAST_CONFIG");
      given = fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
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

  /** The address the clustered event bus binds to: {@code SSE_CLUSTER_INTERFACE}'s value, loopback by default. */
  static String eventBusHost() {
    return System.getProperty("sse.cluster.interface", "127.0.0.1");
  }
}
