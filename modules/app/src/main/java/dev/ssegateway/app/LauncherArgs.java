package dev.ssegateway.app;

import java.util.List;
import java.util.Set;

/**
 * The command line the gateway takes, checked before the Vert.x launcher sees it: {@code --help} describes this
 * gateway (not the generic Vert.x launcher), and what the gateway does not do is refused with one line instead of
 * being silently ignored: a main-verticle argument (the gateway deploys its own; user verticles go in the
 * {@code publishers} conf key) and unknown options.
 */
final class LauncherArgs {

  /** Exit status of a command line the gateway refuses. */
  static final int USAGE_ERROR = 2;

  /** Options that take a value ({@code -x value}, {@code -x=value}, one or two dashes). */
  private static final Set<String> WITH_VALUE = Set.of("conf", "options", "cluster-host", "cluster-port",
      "cluster-public-host", "cluster-public-port", "instances");
  private static final Set<String> FLAGS = Set.of("cluster");
  private static final Set<String> HELP = Set.of("-h", "-help", "--help");

  static final String HELP_TEXT = """
      Usage: java -jar sse-gateway.jar [-conf <file|json>] [-cluster [cluster options]] [-options <json>] [-instances <n>]
         or: java -cp sse-gateway.jar:<your jars> dev.ssegateway.app.GatewayLauncher <same options>

      sse-gateway: Server-Sent Events gateway on Vert.x (docs/operating.md, docs/configuration.md).
      It deploys its own verticles; your publisher verticles go in the conf's "publishers" list
      (docs/publishing.md), with their jars on -cp.

      Options:
        -conf <file|json>           the conf (JSON file, watched for live changes, or inline JSON); without it the
                                    defaults of docs/configuration.md apply
        -cluster                    join the Hazelcast cluster of conf/cluster.xml (docs/cluster.md)
        -cluster-host <host>        event bus host of this member (default: the cluster interface)
        -cluster-port <port>        event bus port of this member
        -cluster-public-host <h>    event bus host other members connect to
        -cluster-public-port <p>    event bus port other members connect to
        -options <json|file>        VertxOptions JSON
        -instances <n>              app instances (keep 1; use http.instances for event loops)
        -h, --help                  this text

      Environment:
        SSE_GATEWAY_<KEY>           overrides a conf key: dots become __, e.g. SSE_GATEWAY_HTTP__PORT=8080
                                    (docs/configuration.md)
        SSE_HAZELCAST_CONFIG        Hazelcast config file of a clustered start (default: conf/cluster.xml)
        SSE_CLUSTER_NAME, SSE_CLUSTER_MEMBERS, SSE_CLUSTER_INTERFACE, SSE_CLUSTER_PORT
                                    the variables of conf/cluster.xml (defaults: sse-gateway, 127.0.0.1,
                                    127.0.0.1, 5801)

      Exit status: 0 after a clean stop (SIGTERM), 1 when startup fails (one line says why), 2 for a refused
      command line.
      """;

  private LauncherArgs() {
  }

  /** Whether the arguments ask for the help text. */
  static boolean wantsHelp(List<String> args) {
    return args.stream().anyMatch(HELP::contains);
  }

  /** Null when the gateway takes {@code args}, otherwise the one-line reason it refuses them. */
  static String problem(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("-")) {
        return "unexpected argument '" + a + "': the gateway takes no main verticle; deploy your verticles with the "
            + "'publishers' conf key (docs/publishing.md); see --help";
      }
      String name = a.replaceFirst("^--?", "");
      int eq = name.indexOf('=');
      if (eq >= 0) {
        if (!WITH_VALUE.contains(name.substring(0, eq))) {
          return "unknown option '" + a + "'; see --help";
        }
      } else if (WITH_VALUE.contains(name)) {
        if (i + 1 >= args.size()) {
          return "option '" + a + "' needs a value; see --help";
        }
        i++;
      } else if (!FLAGS.contains(name)) {
        return "unknown option '" + a + "'; see --help";
      }
    }
    return null;
  }
}
