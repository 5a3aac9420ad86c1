package dev.ssegateway.app;

import dev.ssegateway.config.ConfigVerticle;
import dev.ssegateway.config.EnvOverrides;
import dev.ssegateway.core.SettingsException;
import dev.ssegateway.gateway.MetricLabels;
import dev.ssegateway.publisher.GatewayRole;
import dev.ssegateway.publisher.HighWaterUnknownException;
import dev.ssegateway.publisher.OriginClaim;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The entry point of the fat jar: the Vert.x 5 launcher ({@code -conf}, {@code -cluster},
 * {@code -instances}, ...) plus what the gateway needs before anything starts: the conf file must exist
 * and validate, with the {@code SSE_GATEWAY_*} environment overrides applied (otherwise one line
 * naming the key, or the variable, and exit 1), its absolute path is handed to the
 * config verticle, and a clustered start uses {@code conf/cluster.xml} (never Hazelcast's multicast
 * default).
 */
public final class GatewayLauncher extends VertxApplication {

  /** Key under which the absolute path of the {@code -conf} file reaches the app verticle. */
  public static final String CONF_FILE_KEY = ConfigVerticle.CONF_FILE_KEY;
  /** Bound on the wait for the gateway to stop on shutdown (its drain is bounded by {@code shutdown.drain_ms}). */
  private static final long SHUTDOWN_WAIT_S = 90;

  private GatewayLauncher(String[] args, VertxApplicationHooks hooks) {
    super(args, hooks);
  }

  public static void main(String[] args) {
    System.setProperty("hazelcast.phone.home.enabled", System.getProperty("hazelcast.phone.home.enabled", "false"));
    System.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "slf4j"));
    List<String> argList = Arrays.asList(args);
    if (LauncherArgs.wantsHelp(argList)) {
      System.out.print(LauncherArgs.HELP_TEXT);
      System.exit(0);
    }
    String refused = LauncherArgs.problem(argList);
    if (refused != null) {
      System.err.println("sse-gateway: " + refused);
      System.exit(LauncherArgs.USAGE_ERROR);
    }
    String conf = confArgument(argList);
    Path confFile = null;
    if (conf != null && !conf.trim().startsWith("{")) {
      Path p = Path.of(conf).toAbsolutePath().normalize();
      if (!Files.isRegularFile(p)) {
        fail("conf file " + p + " does not exist or is not a regular file");
      }
      confFile = p;
    }
    boolean clustered = argList.contains("-cluster") || argList.contains("--cluster");
    if (clustered) {
      String problem = ClusterConfig.prepare(System.getenv());
      if (problem != null) {
        fail(problem);
      }
    }
    exitZeroOnSigterm();
    int code = new GatewayLauncher(args, new Hooks(confFile, clustered)).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Validates the conf before Vert.x starts, passes the conf path on, and names the main verticle. */
  private static final class Hooks implements VertxApplicationHooks {
    private final Path confFile;
    /** The cluster manager of a clustered start, kept so the app can claim its node_id (public API only). */
    private final HazelcastClusterManager clusterManager;
    /** The app verticles deployed (one per {@code -instances}), stopped first on shutdown. */
    private final List<AppVerticle> apps = new CopyOnWriteArrayList<>();

    Hooks(Path confFile, boolean clustered) {
      this.confFile = confFile;
      // reads the Hazelcast config named by vertx.hazelcast.config, which ClusterConfig.prepare has set
      this.clusterManager = clustered ? new HazelcastClusterManager() : null;
    }

    @Override
    public JsonObject afterConfigParsed(JsonObject config) {
      JsonObject conf = config == null ? new JsonObject() : config;
      EnvOverrides overrides = EnvOverrides.from(System.getenv());
      try {
        overrides.settings(conf);
      } catch (SettingsException e) {
        fail("invalid configuration " + source(e, overrides) + ": " + e.getMessage());
      }
      if (confFile != null) {
        conf.put(CONF_FILE_KEY, confFile.toString());
      }
      return conf;
    }

    /** Where the refused values came from: the file, the environment (each problem then names its variable), or both. */
    private String source(SettingsException e, EnvOverrides overrides) {
      long fromEnv = e.problems().stream().filter(p -> overrides.variables().containsKey(p.key())).count();
      String file = confFile == null ? "in the -conf JSON" : "in " + confFile;
      if (fromEnv == 0) {
        return file;
      }
      return fromEnv == e.problems().size() ? "in the environment" : file + " and the environment";
    }

    /**
     * The clustered event bus binds where Hazelcast does (loopback by default), never on all interfaces, and the node
     * announces its gateway in its cluster node info ({@link GatewayRole}, kept beside any {@code -options} metadata).
     */
    @Override
    public void beforeStartingVertx(HookContext context) {
      EventBusOptions eventBus = context.vertxOptions().getEventBusOptions();
      if (eventBus.getHost() == null) {
        eventBus.setHost(ClusterConfig.eventBusHost());
      }
      if (clusterManager != null) {
        GatewayRole.announce(eventBus);
      }
    }

    /**
     * Vert.x's own HTTP server and event bus metrics, in the Prometheus registry that /metrics scrapes, with the
     * label bounds in place before its first meter ({@link MetricLabels}). Runs before {@link #beforeStartingVertx}.
     */
    @Override
    public VertxBuilder createVertxBuilder(VertxOptions options) {
      // Sockets use Linux's native transport (epoll) when it loads, else NIO: per idle stream it costs less CPU per
      // heartbeat and less memory than NIO's selector keys and channel wrappers (docs/performance.md).
      options.setPreferNativeTransport(true);
      if (options.getMetricsOptions() == null || !options.getMetricsOptions().isEnabled()) {
        options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
      }
      VertxBuilder builder = Vertx.builder().with(options);
      if (options.getMetricsOptions() instanceof MicrometerMetricsOptions micrometer && micrometer.isEnabled()
          && micrometer.getPrometheusOptions() != null && micrometer.getPrometheusOptions().isEnabled()) {
        builder.withMetrics(MetricLabels.metricsFactory());
      }
      return clusterManager == null ? builder : builder.withClusterManager(clusterManager);
    }

    /**
     * A node_id held by a live member, or a member that never told its high water of this origin, was already reported
     * in one {@code event=node_id_taken} / {@code event=origin_seq_unknown} line: exit 1 now
     * (the shutdown hook leaves the cluster) instead of the launcher's stack trace repeating it.
     */
    @Override
    public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
      if (t instanceof OriginClaim.TakenException || t instanceof HighWaterUnknownException) {
        System.exit(1);
      }
      if (t instanceof AppVerticle.StartupFailure f) {
        fail(f.getMessage());
      }
    }

    @Override
    public Supplier<? extends Deployable> verticleSupplier() {
      return () -> {
        AppVerticle app = new AppVerticle(clusterManager, Clock.systemUTC());
        apps.add(app);
        return app;
      };
    }

    /**
     * Runs (from the launcher's shutdown hook) before Vert.x undeploys anything: each node stops its gateway first,
     * so streams end with their {@code retry:} and {@code event=gateway_stopped} is logged while the rest still
     * runs. Vert.x's own close follows whatever happens here.
     */
    @Override
    public void beforeStoppingVertx(HookContext context) {
      for (AppVerticle app : apps) {
        try {
          app.shutdown().await(SHUTDOWN_WAIT_S, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("sse-gateway: the gateway did not stop within " + SHUTDOWN_WAIT_S + " s: " + e);
        }
      }
    }
  }

  static String confArgument(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("-conf") || a.equals("--conf")) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
      if (a.startsWith("-conf=") || a.startsWith("--conf=")) {
        return a.substring(a.indexOf('=') + 1);
      }
    }
    return null;
  }

  /**
   * SIGTERM is the normal way to stop a node: exit with 0, not 143. {@code System.exit} runs the launcher's
   * shutdown hook, which closes Vert.x: each gateway stops accepting, ends every stream with a jittered
   * {@code retry:}, waits for the writes up to {@code shutdown.drain_ms}, and the node leaves the cluster.
   */
  private static void exitZeroOnSigterm() {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> System.exit(0));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // no SIGTERM on this platform: the JVM's default handling stays
    }
  }

  private static void fail(String message) {
    System.err.println("sse-gateway: " + message);
    System.exit(1);
  }
}
