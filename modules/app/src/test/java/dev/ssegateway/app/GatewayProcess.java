package dev.ssegateway.app;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fat jar started as a user starts it, in its own process, for tests that need the real launcher,
 * a real {@code kill -9} or a real cluster. Output is collected; the process is always destroyed by
 * {@link #close()}.
 */
final class GatewayProcess implements AutoCloseable {

  private static final Pattern READY = Pattern.compile("event=node_ready node=(\\S+) port=(\\d+)");

  private final Process process;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private volatile int port = -1;
  private final Thread reader;

  private GatewayProcess(Process process) {
    this.process = process;
    reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            port = Integer.parseInt(m.group(2));
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "gateway-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  static Path jar() {
    return Path.of(System.getProperty("gateway.jar", "target/sse-gateway.jar"));
  }

  /** Starts {@code java [jvmArgs] -jar sse-gateway.jar args...} in {@code workDir}. */
  static GatewayProcess start(Path workDir, List<String> jvmArgs, String... args) throws IOException {
    return start(workDir, jvmArgs, Map.of(), args);
  }

  /** As {@link #start(Path, List, String...)}, with {@code env} added to the process's environment. */
  static GatewayProcess start(Path workDir, List<String> jvmArgs, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar().toAbsolutePath().toString());
    Collections.addAll(cmd, args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new GatewayProcess(pb.start());
  }

  /**
   * Starts the gateway the documented classpath way, {@code java -cp sse-gateway.jar:<extra> <main class> args...},
   * in {@code workDir}: how a user's publisher jar ({@code extra}) joins the gateway process.
   */
  static GatewayProcess startWithClasspath(Path workDir, Path extra, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(jar().toAbsolutePath() + java.io.File.pathSeparator + extra.toAbsolutePath());
    cmd.add(GatewayLauncher.class.getName());
    Collections.addAll(cmd, args);
    return new GatewayProcess(new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start());
  }

  /**
   * Starts clustered node {@code node} as a user would ({@code -conf <node>.json -cluster}) with the shipped
   * conf/cluster.xml and this run's cluster name; {@code conf} adds keys to its loopback, port-0 conf.
   */
  static GatewayProcess startClusterNode(Path dir, String node, String clusterName, JsonObject conf)
      throws IOException {
    Path file = dir.resolve(node + ".json");
    Files.writeString(file, new JsonObject()
        .put("node_id", node)
        .put("http", GatewayProcesses.loopbackHttp())
        .mergeIn(conf == null ? new JsonObject() : conf)
        .encode());
    Path clusterXml = Path.of(System.getProperty("project.root", "../.."), "conf", "cluster.xml").toAbsolutePath();
    return start(dir, List.of("-Dvertx.hazelcast.config=" + clusterXml, "-Dsse.cluster.name=" + clusterName),
        "-conf", file.toString(), "-cluster");
  }

  /** Waits until the node logs that it is ready; returns its HTTP port. */
  int awaitReady(long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (port < 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException("gateway exited with " + process.exitValue() + ": " + output());
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("gateway not ready after " + timeoutMs + " ms: " + output());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    return port;
  }

  /** The HTTP port once the node logged that it is ready, else -1 (does not wait). */
  int readyPort() {
    return port;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit and its last output lines to be read; returns its exit code. */
  int awaitExit(long timeoutMs) throws InterruptedException {
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("gateway still running after " + timeoutMs + " ms: " + output());
    }
    reader.join(10_000);
    return process.exitValue();
  }

  /** Waits up to {@code ms} for the process to exit, without failing when it does not. */
  void awaitExitQuietly(long ms) throws InterruptedException {
    process.waitFor(ms, TimeUnit.MILLISECONDS);
  }

  String output() {
    synchronized (lines) {
      return String.join(File.separator.equals("/") ? "\n" : "\r\n", lines);
    }
  }

  long pid() {
    return process.pid();
  }

  /** {@code kill -9}. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM, then wait for exit, reading the output to its end ({@code Process.destroy()} would close the pipe and
   * lose the shutdown's lines).
   */
  int terminate(long timeoutMs) throws InterruptedException {
    process.toHandle().destroy();
    return awaitExit(timeoutMs);
  }

  /** SIGTERM, and {@code kill -9} after 10 s; interrupted, kills at once (and keeps the interrupt). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
