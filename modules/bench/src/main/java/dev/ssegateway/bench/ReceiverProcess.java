package dev.ssegateway.bench;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LoadGenerator} in a child JVM, so that the streams of one scenario can exceed one process's
 * file limit. The parent writes one command a line on the child's stdin ({@code open}, {@code window S},
 * {@code snapshot}, {@code report S}, {@code drop}); the child answers each with one JSON line on stdout.
 * The child exits when its stdin closes, so it never outlives the driver.
 */
final class ReceiverProcess implements Receivers.Receiver {

  private final Process process;
  private final Writer in;
  private final ArrayDeque<CompletableFuture<JsonObject>> pending = new ArrayDeque<>();

  private ReceiverProcess(Process process) {
    this.process = process;
    this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readReplies, "receiver-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static ReceiverProcess spawn(LoadGenerator.Options o, String heap) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    Process p = new ProcessBuilder(List.of(java, "-Xms" + heap, "-Xmx" + heap, "-XX:+UseParallelGC",
        "-cp", cp, BenchMain.class.getName(), "receiver", o.host(), String.valueOf(o.port()), o.path(),
        String.valueOf(o.streams()), String.valueOf(o.sourceAddresses()), String.valueOf(o.concurrency())))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    ReceiverProcess r = new ReceiverProcess(p);
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    return r;
  }

  private void readReplies() {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (!line.startsWith("{")) {
          continue;
        }
        CompletableFuture<JsonObject> f;
        synchronized (pending) {
          f = pending.poll();
        }
        if (f != null) {
          f.complete(new JsonObject(line));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the child ended; fail whatever waits below
    }
    synchronized (pending) {
      pending.forEach(f -> f.completeExceptionally(new IllegalStateException("receiver process ended")));
      pending.clear();
    }
  }

  @Override
  public CompletableFuture<JsonObject> call(String command, long arg) {
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    synchronized (pending) {
      pending.add(f);
    }
    try {
      in.write(command + " " + arg + "\n");
      in.flush();
    } catch (IOException e) {
      f.completeExceptionally(e);
    }
    return f;
  }

  @Override
  public void close() {
    try {
      in.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
  }

  /** The child's main: {@code receiver HOST PORT PATH STREAMS SOURCES CONCURRENCY}. */
  static void main(String[] a) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    System.setOut(new PrintStream(System.err, true, StandardCharsets.UTF_8)); // stray prints must not break the protocol
    LoadGenerator g = LoadGenerator.standalone(new LoadGenerator.Options(a[0], Integer.parseInt(a[1]), a[2],
        Integer.parseInt(a[3]), Integer.parseInt(a[4]), Integer.parseInt(a[5])));
    Receivers.Receiver r = Receivers.local(g);
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = stdin.readLine()) != null) {
      String[] parts = line.trim().split(" ");
      long arg = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
      JsonObject reply;
      try {
        reply = r.call(parts[0], arg).get();
      } catch (Exception e) {
        reply = new JsonObject().put("error", e.toString());
      }
      out.println(reply.encode());
    }
    r.close();
    System.exit(0);
  }
}
