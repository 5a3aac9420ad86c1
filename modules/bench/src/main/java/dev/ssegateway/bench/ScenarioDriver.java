package dev.ssegateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one scenario against one server and returns its result: the numbers of the scenario's table
 * ({@code table}: label, value pairs) plus the raw readings. Sequential and blocking: it runs on a plain
 * thread (the {@code scenario} command's main, or a test thread), never on an event loop.
 *
 * <ul>
 *   <li>{@code fanout}: S streams on one topic, R events/s, warm-up, measured window, drain.</li>
 *   <li>{@code max-rate}: S streams, R ramped by a factor per step until p99 &gt; the limit, a loss, a
 *   failed stream or deliveries falling behind the offered rate; reports the highest sustainable step.</li>
 *   <li>{@code idle}: S streams held for a while with no events: heartbeats and memory per stream.</li>
 *   <li>With {@code --http2 C} the streams of {@code fanout} and {@code max-rate} are HTTP/2 streams (h2c, prior
 *   knowledge) over C connections instead of one HTTP/1.1 connection each ({@code h2-fanout} in run.sh).</li>
 *   <li>{@code storm}: S streams at R events/s, all dropped at once and resumed with their last id: time
 *   until all are back, events missing or duplicated.</li>
 * </ul>
 */
public final class ScenarioDriver {

  private final Vertx vertx;
  private final Target target;
  private final Map<String, String> p;
  private final ServerProbe server;
  private final boolean jvm;
  private final JsonArray table = new JsonArray();

  /** {@code params}: streams, rate, warmup, duration, procs (0: in this JVM), payload, hold, step, ... */
  public ScenarioDriver(Vertx vertx, Target target, Map<String, String> params) {
    this.vertx = vertx;
    this.target = target;
    this.p = params;
    this.server = new ServerProbe(target.pids());
    this.jvm = !Target.NCHAN.equals(target.kind());
  }

  private int i(String k, int d) {
    return p.containsKey(k) ? Integer.parseInt(p.get(k)) : d;
  }

  private double d(String k, double d) {
    return p.containsKey(k) ? Double.parseDouble(p.get(k)) : d;
  }

  public JsonObject run(String scenario) throws Exception {
    JsonObject r = switch (scenario) {
      case "fanout" -> fanout();
      case "max-rate" -> maxRate();
      case "publisher" -> publisher();
      case "idle" -> idle();
      case "storm" -> storm();
      default -> throw new IllegalArgumentException("unknown scenario " + scenario
          + " (fanout, max-rate, publisher, idle, storm)");
    };
    return r.put("scenario", scenario).put("target", target.kind()).put("params", new JsonObject(new java.util.HashMap<>(p)))
        .put("table", table);
  }

  private void log(String what, Object detail) {
    System.err.printf("%tT [%s] %s %s%n", System.currentTimeMillis(), target.kind(), what, detail);
  }

  /** Put before every row label while a scenario measures one of several variants (the publisher scenario). */
  private String rowPrefix = "";

  private void row(String label, Object value) {
    table.add(new JsonArray().add(rowPrefix + label).add(value));
  }

  /** {@code --tls true}: the server speaks TLS (h2-fanout's HTTP/2 leg: ALPN h2 for streams, HTTPS for publishing). */
  private boolean tls() {
    return "true".equals(p.get("tls"));
  }

  private Receivers receivers(int streams, String topic) throws java.io.IOException {
    List<Integer> ports = target.ports();
    int procs = i("procs", streams > 18_000 || ports.size() > 1 ? Math.max(ports.size(), (streams + 17_999) / 18_000) : 1);
    int sources = i("sources", 4);
    int concurrency = i("concurrency", 256);
    List<Receivers.Receiver> list = new ArrayList<>();
    String path = target.subscribePath(topic);
    if (p.containsKey("http2")) { // HTTP/2 streams over a few connections: one in-process generator is enough
      list.add(Receivers.local(new LoadGenerator(vertx, new LoadGenerator.Options(target.host(), target.port(),
          path, streams, sources, concurrency)).http2(i("http2", 10), tls(), i("h2-window", LoadGenerator.DEFAULT_H2_WINDOW))));
    } else if (procs == 0) {
      list.add(Receivers.local(new LoadGenerator(vertx, new LoadGenerator.Options(target.host(), target.port(),
          path, streams, sources, concurrency))));
    } else {
      // receiver k talks to the k-th server process (round robin) when the target is several
      for (int k = 0; k < procs; k++) {
        int n = streams / procs + (k < streams % procs ? 1 : 0);
        list.add(ReceiverProcess.spawn(new LoadGenerator.Options(target.host(), ports.get(k % ports.size()), path, n,
            sources, concurrency), p.getOrDefault("receiver-heap", "768m")));
      }
    }
    return new Receivers(list);
  }

  private static String topic(String name) {
    return name + "-" + Long.toString(System.currentTimeMillis(), 36);
  }

  /** Waits until every live stream has every event up to {@code lastSeq}, or nothing moved for 3 s. */
  private JsonObject drain(Receivers rec, long liveStreams, long lastSeq) {
    long expected = liveStreams * lastSeq;
    long last = -1;
    long stillSince = System.currentTimeMillis();
    long deadline = System.currentTimeMillis() + i("drain-max", 30) * 1000L;
    JsonObject s;
    while (true) {
      s = rec.snapshot();
      long got = s.getLong("deliveries");
      if (got >= expected || System.currentTimeMillis() > deadline) {
        return s;
      }
      if (got != last) {
        last = got;
        stillSince = System.currentTimeMillis();
      } else if (System.currentTimeMillis() - stillSince > 3000) {
        return s;
      }
      pause(100);
    }
  }

  /** One measured window at a fixed rate over already open streams; fills the window's numbers. */
  private JsonObject window(Receivers rec, LoadPublisher pub, double rate, double warmupS, double durationS,
                            long live) {
    long failures0 = pub.failures(); // those of earlier windows or of the JIT warm-up are not this window's
    pub.start(rate);
    pause((long) (warmupS * 1000));
    long fromSeq = pub.nextSeq() + Math.max(1, (long) (rate * 0.05));
    rec.window(fromSeq);
    pub.roundTrips();
    long cpu0 = server.cpuMs();
    long[] machine0 = ServerProbe.machineJiffies();
    long t0 = System.nanoTime();
    pause((long) (durationS * 1000));
    long[] machine1 = ServerProbe.machineJiffies();
    JsonObject atEnd = rec.snapshot();
    double wallS = (System.nanoTime() - t0) / 1e9;
    long serverCpu = server.cpuMs() - cpu0;
    double achieved = pub.stop();
    Histogram rtt = pub.roundTrips();
    long lastSeq = pub.lastSeq();
    log("window done, draining", "lastSeq=" + lastSeq);
    drain(rec, live, lastSeq);
    JsonObject rep = rec.report(lastSeq);
    long publishFailures = pub.failures() - failures0;
    rep.put("offeredPerS", rate * live)
        .put("publishRateAchieved", achieved)
        .put("publishFailures", publishFailures)
        .put("publishRttP99Ms", rtt.getValueAtPercentile(99) / 1000.0)
        .put("publishLastFailure", pub.lastFailure())
        .put("deliveriesPerS", atEnd.getLong("windowDeliveries") / wallS)
        .put("serverCpuPct", 100.0 * serverCpu / (wallS * 1000))
        .put("machineBusyPct", 100.0 * (machine1[0] - machine0[0]) / Math.max(1, machine1[1] - machine0[1]))
        .put("lastSeq", lastSeq)
        .put("missingAdjusted", Math.max(0, rep.getLong("missing") - publishFailures * rep.getLong("live")));
    Histogram lat = LoadGenerator.decode(rep.getString("latencyMicros"));
    rep.put("p50Ms", lat.getValueAtPercentile(50) / 1000.0).put("p99Ms", lat.getValueAtPercentile(99) / 1000.0)
        .put("p999Ms", lat.getValueAtPercentile(99.9) / 1000.0).put("maxMs", lat.getMaxValue() / 1000.0)
        .put("latencySamples", lat.getTotalCount());
    Histogram first = LoadGenerator.decode(rep.getString("firstDeliveryMicros"));
    Histogram last = LoadGenerator.decode(rep.getString("lastDeliveryMicros"));
    rep.put("firstDeliveryP50Ms", first.getValueAtPercentile(50) / 1000.0)
        .put("firstDeliveryP99Ms", first.getValueAtPercentile(99) / 1000.0)
        .put("lastDeliveryP50Ms", last.getValueAtPercentile(50) / 1000.0)
        .put("lastDeliveryP99Ms", last.getValueAtPercentile(99) / 1000.0);
    return rep;
  }

  private void latencyRows(JsonObject w) {
    row("deliveries/s", Math.round(w.getDouble("deliveriesPerS")));
    row("offered deliveries/s", Math.round(w.getDouble("offeredPerS")));
    row("missing deliveries", w.getLong("missingAdjusted"));
    row("duplicates", w.getLong("duplicates"));
    row("latency p50 ms", w.getDouble("p50Ms"));
    row("latency p99 ms", w.getDouble("p99Ms"));
    row("latency p99.9 ms", w.getDouble("p999Ms"));
    row("latency max ms", w.getDouble("maxMs"));
    row("server CPU % (1 core = 100)", Math.round(w.getDouble("serverCpuPct")));
    row("load-gen CPU %", w.getLong("receiverCpuPct"));
    row("machine CPU busy % (all cores)", Math.round(w.getDouble("machineBusyPct")));
    row("load-gen saturated", w.getBoolean("receiverSaturated") ? "YES" : "no");
    row("publish failures", w.getLong("publishFailures"));
    row("publish events/s achieved", Math.round(w.getDouble("publishRateAchieved")));
    row("publish round trip p99 ms", w.getDouble("publishRttP99Ms"));
  }

  private void memoryRows(JsonObject mem) {
    row("server RSS MiB", mem.getLong("rssKb") / 1024.0);
    if (mem.containsKey("heapAfterGcKb")) {
      row("heap after GC MiB", mem.getLong("heapAfterGcKb") / 1024.0);
    }
  }

  /** Server memory with {@code live} open streams against before they opened (before the ramp's first event). */
  private void memoryPerStreamRows(JsonObject before, JsonObject open, long live) {
    row("server RSS MiB with the streams open", open.getLong("rssKb") / 1024.0);
    row("server RSS / streams, KiB (whole process)", live == 0 ? 0 : (double) open.getLong("rssKb") / live);
    row("RSS KiB per stream", live == 0 ? 0 : (double) (open.getLong("rssKb") - before.getLong("rssKb")) / live);
    row("PSS KiB per stream", live == 0 ? 0 : (double) (open.getLong("pssKb") - before.getLong("pssKb")) / live);
    if (jvm) {
      row("heap KiB per stream", live == 0 ? 0
          : (double) (open.getLong("heapAfterGcKb") - before.getLong("heapAfterGcKb")) / live);
    }
  }

  private JsonObject fanout() throws Exception {
    int streams = i("streams", 1000);
    double rate = d("rate", 200);
    try (Receivers rec = receiversOn(streams, "fanout")) {
      RatePublisher pub = new RatePublisher(vertx, target, lastTopic, i("payload", 100));
      try {
        JsonObject open = rec.open();
        log("streams opened", open.encode());
        row("streams ok", open.getLong("ok"));
        row("streams failed", open.getLong("failed"));
        double jitS = d("jit-warmup", 0);
        if (jitS > 0) {
          // The JIT's warm-up, before the usual warm-up at the measured rate: at 2 or 20 events/s the code that runs
          // once per event takes minutes to reach C2, and its compilations (up to a fifth of a core) and interpreted
          // runs would be measured as the server's cost per delivery (docs/performance.md, light-load latency)
          double jitRate = d("jit-warmup-rate", rate);
          pub.start(jitRate);
          pause((long) (jitS * 1000));
          pub.stop();
          long jitLast = pub.lastSeq();
          log("jit warm-up done, draining", "rate=" + jitRate + " lastSeq=" + jitLast);
          drain(rec, open.getLong("ok"), jitLast);
          row("JIT warm-up before the window (s x events/s)", Math.round(jitS) + " x " + Math.round(jitRate));
        }
        JsonObject w = window(rec, pub, rate, d("warmup", 5), d("duration", 20), open.getLong("ok"));
        latencyRows(w);
        // per event: its path through the server (first delivery) and the time to get through every stream (last)
        row("first delivery of an event p50 ms", w.getDouble("firstDeliveryP50Ms"));
        row("first delivery of an event p99 ms", w.getDouble("firstDeliveryP99Ms"));
        row("last delivery of an event p50 ms", w.getDouble("lastDeliveryP50Ms"));
        row("last delivery of an event p99 ms", w.getDouble("lastDeliveryP99Ms"));
        JsonObject mem = server.memory(jvm);
        memoryRows(mem);
        return new JsonObject().put("open", open).put("window", w).put("memory", mem);
      } finally {
        pub.close();
      }
    }
  }

  private String lastTopic;

  private Receivers receiversOn(int streams, String name) throws java.io.IOException {
    lastTopic = topic(name);
    return receivers(streams, lastTopic);
  }

  private JsonObject maxRate() throws Exception {
    return ramp("maxrate", topic -> new RatePublisher(vertx, target, topic, i("payload", 100), tls()));
  }

  /**
   * The same ramp (max-rate's) into the same number of streams, once with events published over HTTP ingest and once
   * by a publisher verticle in the gateway's process ({@link InProcessPublisher}, deployed through {@code publishers}
   * on {@code control-port}), in one run.
   */
  private JsonObject publisher() throws Exception {
    rowPrefix = "HTTP ingest: ";
    JsonObject http = ramp("publisher-http", topic -> new RatePublisher(vertx, target, topic, i("payload", 100)));
    rowPrefix = "in-process: ";
    JsonObject inProcess = ramp("publisher-inproc", topic -> new InProcessControl(vertx, i("control-port", 18099),
        topic, i("payload", 100)));
    rowPrefix = "";
    return new JsonObject().put("http", http).put("inProcess", inProcess);
  }

  private JsonObject ramp(String name, java.util.function.Function<String, LoadPublisher> publishers) throws Exception {
    int streams = i("streams", 2000);
    double rate = d("rate", 50);
    double factor = d("factor", 1.5);
    double limitMs = d("max-p99-ms", 250);
    int maxSteps = i("max-steps", 12);
    JsonArray steps = new JsonArray();
    JsonObject best = null;
    String stopReason = "max-steps reached";
    // --memory true (h2-fanout): the server's memory before and with the open streams, per stream
    JsonObject memBefore = "true".equals(p.get("memory")) ? server.memory(jvm) : null;
    JsonObject memOpen = null;
    try (Receivers rec = receiversOn(streams, name)) {
      LoadPublisher pub = publishers.apply(lastTopic);
      try {
        JsonObject open = rec.open();
        log("streams opened", open.encode());
        long live = open.getLong("ok");
        if (memBefore != null) {
          memOpen = server.memory(jvm);
        }
        for (int s = 0; s < maxSteps; s++) {
          JsonObject w = window(rec, pub, rate, d("settle", 2), d("step", 8), live);
          w.put("rate", rate);
          steps.add(compact(w));
          System.err.printf("[%s %s] rate=%.0f/s deliveries/s=%.0f p99=%.1fms missing=%d live=%d cpu=%d%%%n",
              target.kind(), name, rate, w.getDouble("deliveriesPerS"), w.getDouble("p99Ms"), w.getLong("missingAdjusted"),
              w.getLong("live"), w.getLong("receiverCpuPct"));
          String fail = w.getDouble("p99Ms") > limitMs ? "p99 " + w.getDouble("p99Ms") + " ms > " + limitMs
              : w.getLong("missingAdjusted") > 0 ? "missing " + w.getLong("missingAdjusted")
              : w.getLong("live") < live ? "streams lost " + (live - w.getLong("live"))
              : w.getDouble("publishRateAchieved") < 0.95 * rate ? "publisher could not keep the rate"
              : w.getDouble("deliveriesPerS") < 0.8 * w.getDouble("offeredPerS") && rate * d("step", 8) >= 20
                  ? "deliveries/s behind the offered rate" : null;
          if (fail != null) {
            stopReason = "at " + Math.round(rate) + " events/s: " + fail;
            break;
          }
          best = w;
          rate = Math.ceil(rate * factor);
        }
        row("streams ok", live);
        row("highest sustainable events/s", best == null ? 0 : Math.round(best.getDouble("rate")));
        if (best != null) {
          latencyRows(best);
        }
        row("stopped because", stopReason);
        double peak = 0;
        double peakP99 = 0;
        for (Object o : steps) {
          JsonObject st = (JsonObject) o;
          if (st.getDouble("deliveriesPerS") > peak) {
            peak = st.getDouble("deliveriesPerS");
            peakP99 = st.getDouble("p99Ms");
          }
        }
        row("peak deliveries/s (any step, saturated)", Math.round(peak));
        row("p99 ms at that peak", peakP99);
        JsonObject result = new JsonObject().put("open", open).put("steps", steps)
            .put("best", best == null ? null : compact(best));
        if (memOpen != null) {
          memoryPerStreamRows(memBefore, memOpen, live);
          result.put("memoryBefore", memBefore).put("memoryOpen", memOpen);
        }
        return result;
      } finally {
        pub.close();
      }
    }
  }

  private static JsonObject compact(JsonObject w) {
    JsonObject c = w.copy();
    c.remove("latencyMicros");
    c.remove("firstDeliveryMicros");
    c.remove("lastDeliveryMicros");
    c.remove("heartbeatMs");
    return c;
  }

  private JsonObject idle() throws Exception {
    int streams = i("streams", 1000);
    double holdS = d("hold", 60);
    double baselineS = d("baseline", Math.min(10, holdS));
    JsonObject before = server.memory(jvm);
    HeldSampler held = new HeldSampler();
    Receivers rec = receiversOn(streams, "idle");
    boolean closed = false;
    JsonArray heldPoints = null;
    try {
      JsonObject open = rec.open();
        log("streams opened", open.encode());
      long ok = open.getLong("ok");
      rec.window(Long.MAX_VALUE);
      long beats0 = rec.snapshot().getLong("heartbeats");
      long[] cpu0 = server.userSysMs();
      long t0 = System.nanoTime();
      pause((long) (holdS * 1000));
      long[] cpu1 = server.userSysMs();
      double wallS = (System.nanoTime() - t0) / 1e9;
      long beats = rec.snapshot().getLong("heartbeats") - beats0;
      JsonObject rep = rec.report(0);
      JsonObject after = server.memory(jvm);
      List<String> histogram = jvm ? server.classHistogram(30) : List.of(); // with the streams still open
      // The server's own CPU with no stream (timers, monitors), read once the streams are closed and the server
      // warm (read before the streams, it counted the JIT's warm-up): subtracted below, so that what is left over
      // the hold is what the streams' heartbeats cost.
      heldPoints = held.stop();
      rec.close();
      closed = true;
      pause(10_000); // closing 10,000 streams leaves the server busy (collections, close handlers) for seconds
      long[] base0 = server.userSysMs();
      long baseT0 = System.nanoTime();
      pause((long) (baselineS * 1000));
      long[] base1 = server.userSysMs();
      double baseWallS = (System.nanoTime() - baseT0) / 1e9;
      double baseUserPerS = (base1[0] - base0[0]) / baseWallS;
      double baseSysPerS = (base1[1] - base0[1]) / baseWallS;
      Histogram hb = LoadGenerator.decode(rep.getString("heartbeatMs"));
      long userMs = cpu1[0] - cpu0[0];
      long sysMs = cpu1[1] - cpu0[1];
      double netUserMs = userMs - baseUserPerS * wallS;
      double netSysMs = sysMs - baseSysPerS * wallS;
      row("streams ok", ok);
      row("streams failed", open.getLong("failed"));
      row("streams live after hold", rep.getLong("live"));
      row("connect all ms", open.getLong("ms"));
      row("hold s", holdS);
      if (target.pids().size() > 1) {
        row("server processes", target.pids().size());
      }
      row("heartbeat interval p50 ms", hb.getValueAtPercentile(50));
      row("heartbeat interval p99 ms", hb.getValueAtPercentile(99));
      row("heartbeat interval min ms", hb.getMinValue());
      row("heartbeat interval max ms", hb.getMaxValue());
      row("heartbeats received", rep.getLong("heartbeats"));
      row("heartbeats delivered during hold", beats);
      row("heartbeats/s during hold", Math.round(beats / wallS));
      row("server CPU % during hold (user+sys)", pct(userMs + sysMs, wallS));
      row("server CPU % during hold, sys (kernel)", pct(sysMs, wallS));
      row("server CPU % with no stream (baseline, " + Math.round(baselineS) + " s after the streams closed)",
          pct(baseUserPerS + baseSysPerS, 1));
      row("server CPU % for the streams (hold - baseline)", pct(netUserMs + netSysMs, wallS));
      row("server CPU us per heartbeat (hold - baseline)", perBeat(netUserMs + netSysMs, beats));
      row("server CPU us per heartbeat, user / sys", perBeat(netUserMs, beats) + " / " + perBeat(netSysMs, beats));
      row("server CPU us per heartbeat (hold, no baseline subtracted)", perBeat(userMs + sysMs, beats));
      row("server RSS MiB before", before.getLong("rssKb") / 1024.0);
      row("server RSS MiB with streams", after.getLong("rssKb") / 1024.0);
      row("RSS KiB per stream", ok == 0 ? 0 : (double) (after.getLong("rssKb") - before.getLong("rssKb")) / ok);
      row("PSS KiB per stream", ok == 0 ? 0 : (double) (after.getLong("pssKb") - before.getLong("pssKb")) / ok);
      if (jvm) {
        row("heap after GC MiB", after.getLong("heapAfterGcKb") / 1024.0);
        row("heap KiB per stream", ok == 0 ? 0
            : (double) (after.getLong("heapAfterGcKb") - before.getLong("heapAfterGcKb")) / ok);
      }
      row("load-gen CPU %", rep.getLong("receiverCpuPct"));
      JsonObject result = new JsonObject().put("open", open).put("before", before).put("after", after)
          .put("report", compact(rep)).put("held", heldPoints).put("cpu", new JsonObject().put("holdS", wallS)
              .put("userMs", userMs).put("sysMs", sysMs).put("heartbeats", beats).put("baselineS", baseWallS)
              .put("baselineUserMsPerS", baseUserPerS).put("baselineSysMsPerS", baseSysPerS));
      if (jvm) {
        result.put("classHistogram", new JsonArray(histogram));
      }
      return result;
    } finally {
      held.stop();
      if (!closed) {
        rec.close();
      }
    }
  }

  /**
   * Streams the server holds against time, for the {@code idle}/{@code capacity} chart: its open files minus those
   * before the streams opened, read each second (off the event loop) from when it is made until {@link #stop}.
   */
  private final class HeldSampler {
    private final long t0 = System.currentTimeMillis();
    private final long baseline = server.openFiles();
    private final JsonArray points = new JsonArray();
    private final long timer;

    HeldSampler() {
      boolean measurable = !target.pids().isEmpty(); // a server in this JVM (tests) has no pid to read
      if (measurable) {
        sample();
      }
      timer = measurable ? vertx.setPeriodic(1000, id -> sample()) : -1;
    }

    private void sample() {
      vertx.executeBlocking(server::openFiles, false).onSuccess(files -> {
        synchronized (points) {
          points.add(new JsonArray().add(System.currentTimeMillis() - t0).add(Math.max(0, files - baseline)));
        }
      });
    }

    JsonArray stop() {
      vertx.cancelTimer(timer);
      synchronized (points) {
        return points.copy();
      }
    }
  }

  /** {@code ms} of CPU over {@code wallS} seconds, in % of one core, one decimal. */
  private static double pct(double ms, double wallS) {
    return Math.round(1000.0 * ms / (wallS * 1000)) / 10.0;
  }

  /** {@code ms} of CPU per heartbeat, in microseconds, one decimal. */
  private static double perBeat(double ms, long beats) {
    return beats <= 0 ? 0 : Math.round(10_000.0 * ms / beats) / 10.0;
  }

  private JsonObject storm() throws Exception {
    int streams = i("streams", 10_000);
    double rate = d("rate", 20);
    try (Receivers rec = receiversOn(streams, "storm")) {
      RatePublisher pub = new RatePublisher(vertx, target, lastTopic, i("payload", 100));
      try {
        JsonObject open = rec.open();
        log("streams opened", open.encode());
        long ok = open.getLong("ok");
        pub.start(rate);
        pause((long) (d("warmup", 5) * 1000));
        rec.window(pub.nextSeq());
        long cpu0 = server.cpuMs();
        long t0 = System.nanoTime();
        ReadinessWatch ready = ReadinessWatch.start(vertx, target, 100);
        JsonObject storm = rec.dropAndResume();
        log("storm", storm.encode());
        pause((long) (d("after", 5) * 1000));
        JsonObject readiness = ready == null ? null : ready.stop();
        double wallS = (System.nanoTime() - t0) / 1e9;
        long serverCpu = server.cpuMs() - cpu0;
        pub.stop();
        long lastSeq = pub.lastSeq();
        drain(rec, ok, lastSeq);
        JsonObject rep = rec.report(lastSeq);
        Histogram lat = LoadGenerator.decode(rep.getString("latencyMicros"));
        long missing = Math.max(0, rep.getLong("missing") - pub.failures() * rep.getLong("live"));
        row("streams ok", ok);
        row("streams resumed", storm.getLong("resumed"));
        row("streams failed to resume", storm.getLong("failed"));
        row("time to all resumed ms", storm.getLong("ms"));
        row("events published", lastSeq);
        row("missing deliveries", missing);
        row("duplicates", rep.getLong("duplicates"));
        row("reset notices", rep.getLong("resets"));
        row("latency p99 ms (storm window)", lat.getValueAtPercentile(99) / 1000.0);
        row("latency max ms (storm window)", lat.getMaxValue() / 1000.0);
        row("server CPU % (storm window)", Math.round(100.0 * serverCpu / (wallS * 1000)));
        row("load-gen saturated", rep.getBoolean("receiverSaturated") ? "YES" : "no");
        row("publish failures", pub.failures());
        row("/health/ready during the storm", ReadinessWatch.describe(readiness));
        return new JsonObject().put("open", open).put("storm", storm).put("readiness", readiness)
            .put("report", compact(rep));
      } finally {
        pub.close();
      }
    }
  }

  /** Waits {@code ms} on the driver thread (a measurement window), on a Vert.x timer: never on an event loop. */
  private void pause(long ms) {
    vertx.timer(Math.max(1, ms)).await();
  }
}
