package dev.ssegateway.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The streams of one scenario, held by one or more load generators (in this JVM, or in child processes
 * when one process's file limit is not enough). Sends each command to all of them at once and merges the
 * answers: counts add up, times take the maximum, histograms are merged.
 */
final class Receivers implements AutoCloseable {

  /** One load generator, here or in a child process; {@code arg} is a seq where the command needs one. */
  interface Receiver extends AutoCloseable {
    CompletableFuture<JsonObject> call(String command, long arg);

    @Override
    void close();
  }

  private final List<Receiver> all;

  Receivers(List<Receiver> all) {
    this.all = all;
  }

  /** In-process receiver. */
  static Receiver local(LoadGenerator g) {
    return new Receiver() {
      @Override
      public CompletableFuture<JsonObject> call(String command, long arg) {
        return switch (command) {
          case "open" -> g.open().toCompletionStage().toCompletableFuture();
          case "drop" -> g.dropAndResume().toCompletionStage().toCompletableFuture();
          case "window" -> {
            g.window(arg);
            yield CompletableFuture.completedFuture(new JsonObject());
          }
          case "snapshot" -> CompletableFuture.completedFuture(g.snapshot());
          case "report" -> CompletableFuture.completedFuture(g.report(arg));
          default -> CompletableFuture.failedFuture(new IllegalArgumentException(command));
        };
      }

      @Override
      public void close() {
        g.close().toCompletionStage().toCompletableFuture().join();
      }
    };
  }

  private List<JsonObject> callAll(String command, long arg) {
    List<CompletableFuture<JsonObject>> fs = new ArrayList<>();
    for (Receiver r : all) {
      fs.add(r.call(command, arg));
    }
    List<JsonObject> out = new ArrayList<>();
    // opening 100,000 streams on a busy 2-core box can take minutes
    long timeoutS = command.equals("open") || command.equals("drop") ? 900 : 120;
    for (CompletableFuture<JsonObject> f : fs) {
      try {
        out.add(f.get(timeoutS, java.util.concurrent.TimeUnit.SECONDS));
      } catch (Exception e) {
        throw new IllegalStateException("receiver did not answer '" + command + "' within " + timeoutS + " s", e);
      }
    }
    return out;
  }

  JsonObject open() {
    return merge(callAll("open", 0));
  }

  JsonObject dropAndResume() {
    return merge(callAll("drop", 0));
  }

  void window(long fromSeq) {
    callAll("window", fromSeq);
  }

  JsonObject snapshot() {
    return merge(callAll("snapshot", 0));
  }

  /** The merged report, plus per-process CPU (% of one core) and whether any receiver saturated. */
  JsonObject report(long lastSeq) {
    List<JsonObject> parts = callAll("report", lastSeq);
    JsonObject m = merge(parts);
    Histogram lat = new Histogram(3);
    Histogram hb = new Histogram(3);
    Histogram first = new Histogram(3);
    Histogram last = new Histogram(3);
    double maxCpuPct = 0;
    double totalCpuPct = 0;
    boolean saturated = false;
    for (JsonObject p : parts) {
      lat.add(LoadGenerator.decode(p.getString("latencyMicros")));
      hb.add(LoadGenerator.decode(p.getString("heartbeatMs")));
      first.add(LoadGenerator.decode(p.getString("firstDeliveryMicros")));
      last.add(LoadGenerator.decode(p.getString("lastDeliveryMicros")));
      double pct = 100.0 * p.getLong("cpuMs") / Math.max(1, p.getLong("wallMs"));
      maxCpuPct = Math.max(maxCpuPct, pct);
      totalCpuPct += pct;
      // a generator whose loops run late by >100 ms at p99, or that uses 90 % of every core, is the bottleneck
      saturated |= p.getLong("loopLagP99Ms") > 100 || pct > 90.0 * p.getInteger("cores");
    }
    m.put("latencyMicros", LoadGenerator.encode(lat));
    m.put("heartbeatMs", LoadGenerator.encode(hb));
    // per receiver process: with several, an event counts once in each (its first and last delivery there)
    m.put("firstDeliveryMicros", LoadGenerator.encode(first));
    m.put("lastDeliveryMicros", LoadGenerator.encode(last));
    m.put("receiverCpuPct", Math.round(totalCpuPct));
    m.put("receiverProcesses", parts.size());
    m.put("receiverSaturated", saturated);
    return m;
  }

  private static JsonObject merge(List<JsonObject> parts) {
    JsonObject m = new JsonObject();
    for (JsonObject p : parts) {
      for (String k : p.fieldNames()) {
        Object v = p.getValue(k);
        if (v instanceof Number n && !(v instanceof Double)) {
          boolean isMax = k.equals("ms") || k.endsWith("Ms") && !k.equals("cpuMs");
          long cur = m.getLong(k, isMax ? Long.MIN_VALUE : 0L);
          m.put(k, isMax ? Math.max(cur, n.longValue()) : cur + n.longValue());
        } else if (!m.containsKey(k)) {
          m.put(k, v);
        }
      }
    }
    return m;
  }

  @Override
  public void close() {
    for (Receiver r : all) {
      try {
        r.close();
      } catch (RuntimeException e) {
        System.err.println("receiver close: " + e);
      }
    }
  }
}
