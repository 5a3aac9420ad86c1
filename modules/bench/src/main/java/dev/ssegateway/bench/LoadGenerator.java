package dev.ssegateway.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Holds N SSE streams to one server and measures what they receive: streams ok/failed, deliveries, missing
 * and duplicate events, publish-to-receive latency, heartbeat intervals, its own CPU use and event-loop
 * lag (so it can say when it, not the server, is the bottleneck). Streams are spread over source
 * addresses 127.0.0.1..127.0.0.k so that many streams do not exhaust one address's ephemeral ports.
 * Opens and reconnects at most {@code concurrency} streams at a time. Usable in-process (tests) or as a
 * child process driven by {@link ReceiverProcess}.
 */
public final class LoadGenerator {

  /** Options of one load generator. */
  public record Options(String host, int port, String path, int streams, int sourceAddresses, int concurrency) {
  }

  /** What all streams of this generator received; updated from every event loop. */
  static final class Counters {
    final LongAdder deliveries = new LongAdder();
    final LongAdder windowDeliveries = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder heartbeats = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder otherEvents = new LongAdder();
    final LongAdder badStatus = new LongAdder();
    final LongAdder closedByServer = new LongAdder();
    final AtomicInteger live = new AtomicInteger();
    final Recorder latencyMicros = new Recorder(3);
    final Recorder heartbeatMs = new Recorder(3);
    /** Per event, its first and last delivery here ({@link EventSpread}). */
    final EventSpread spread = new EventSpread();
    volatile long windowFromSeq = Long.MAX_VALUE;
    volatile Runnable onReady;

    void delivered(long seq, long stampMicros) {
      deliveries.increment();
      if (seq >= windowFromSeq) {
        windowDeliveries.increment();
        long micros = Math.max(0, EpochMicros.now() - stampMicros);
        latencyMicros.recordValue(micros);
        spread.record(seq, micros);
      }
    }

    void heartbeatInterval(long ms) {
      heartbeatMs.recordValue(Math.max(0, ms));
    }

    void onReady(StreamProbe p) {
      live.incrementAndGet();
      Runnable r = onReady;
      if (r != null) {
        r.run();
      }
    }
  }

  private static final long READY_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Options options;
  private final Counters counters = new Counters();
  private final StreamProbe[] probes;
  private final NetClient[] clients;
  private final Recorder loopLagMs = new Recorder(3);
  private final ArrayDeque<StreamProbe> queue = new ArrayDeque<>();
  private int inFlight;
  private int settled;
  private int failed;
  private Promise<Void> allSettled;
  private final io.vertx.core.Context home;
  private final io.vertx.core.Context[] loops;
  /** Completes once {@link #loops} holds one context per event loop. */
  private final Future<String> loopsReady;
  private long windowCpuStartMs;
  private long windowStartNanos;
  /** Set by {@link #http2}: the streams are HTTP/2 streams multiplexed over this client's few connections. */
  private io.vertx.core.http.HttpClient h2;

  public LoadGenerator(Vertx vertx, Options options) {
    this(vertx, options, false);
  }

  private LoadGenerator(Vertx vertx, Options options, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = options;
    this.probes = new StreamProbe[options.streams()];
    for (int i = 0; i < probes.length; i++) {
      probes[i] = new StreamProbe(i, counters);
    }
    this.clients = new NetClient[Math.max(1, options.sourceAddresses())];
    for (int k = 0; k < clients.length; k++) {
      clients[k] = vertx.createNetClient(new NetClientOptions()
          .setLocalAddress("127.0.0." + (1 + k))
          .setTcpNoDelay(true)
          .setConnectTimeout(10_000));
    }
    this.home = vertx.getOrCreateContext();
    int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
    // A socket lives on the event loop of the context that connected it: connect from one context per
    // loop, or every stream ends up on one loop. Each instance of the loop-lag verticle below gets its own
    // event loop (Vert.x assigns them round-robin), so their contexts are the ones to connect from.
    this.loops = new io.vertx.core.Context[loops];
    java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
    this.loopsReady = vertx.deployVerticle(() -> new AbstractVerticle() {
      @Override
      public void start() {
        LoadGenerator.this.loops[started.getAndIncrement()] = context;
        long[] expected = {System.nanoTime() + 50_000_000L};
        vertx.setPeriodic(50, id -> {
          long now = System.nanoTime();
          loopLagMs.recordValue(Math.max(0, (now - expected[0]) / 1_000_000));
          expected[0] = now + 50_000_000L;
        });
      }
    }, new DeploymentOptions().setInstances(loops));
  }

  /**
   * Makes the streams HTTP/2 streams (cleartext, prior knowledge) spread over {@code connections} connections,
   * instead of one HTTP/1.1 connection each. Call before {@link #open}; the {@code drop} command is not supported.
   */
  LoadGenerator http2(int connections) {
    return http2(connections, false, DEFAULT_H2_WINDOW);
  }

  /** The HTTP/2 client's stream window (SETTINGS_INITIAL_WINDOW_SIZE); its connection window is 64 times it. */
  static final int DEFAULT_H2_WINDOW = 1024 * 1024;

  /**
   * As {@link #http2(int)}; with {@code tls} over TLS with ALPN {@code h2} instead of cleartext, trusting any
   * certificate (the bench's self-signed one), with {@code windowBytes} as the stream window.
   */
  LoadGenerator http2(int connections, boolean tls, int windowBytes) {
    int perConnection = (options.streams() + connections - 1) / connections;
    h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
            .setSsl(tls).setUseAlpn(tls).setTrustAll(tls).setVerifyHost(false)
            .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
            .setHttp2MultiplexingLimit(perConnection).setHttp2ConnectionWindowSize(64 * windowBytes)
            .setInitialSettings(new io.vertx.core.http.Http2Settings().setInitialWindowSize(windowBytes))
            .setConnectTimeout(10_000),
        new io.vertx.core.http.PoolOptions().setHttp2MaxSize(connections).setMaxWaitQueueSize(-1));
    return this;
  }

  /** A generator with its own Vert.x (one event loop per core), for a receiver process. */
  static LoadGenerator standalone(Options options) {
    int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(loops)
        .setBlockedThreadCheckInterval(10_000).setPreferNativeTransport(true));
    return new LoadGenerator(vertx, options, true);
  }

  Counters counters() {
    return counters;
  }

  /** Opens every stream; completes when each one is ready or has failed, with {ok, failed, ms}. */
  public Future<JsonObject> open() {
    long t0 = System.nanoTime();
    return loopsReady.compose(id -> connectAll(java.util.Arrays.asList(probes)))
        .map(v -> new JsonObject().put("ok", counters.live.get()).put("failed", failed)
            .put("ms", (System.nanoTime() - t0) / 1_000_000));
  }

  /**
   * The reconnect storm: closes every stream at once and reopens each with its last event id; completes
   * when every stream is back (or has failed), with {resumed, failed, ms}.
   */
  public Future<JsonObject> dropAndResume() {
    Promise<JsonObject> done = Promise.promise();
    home.runOnContext(v -> {
      long t0 = System.nanoTime();
      java.util.List<StreamProbe> all = java.util.Arrays.asList(probes);
      for (StreamProbe p : all) {
        if (p.socket != null) {
          p.closedByUs = true;
          io.vertx.core.net.NetSocket old = p.socket;
          p.socket = null; // its late reads and close are ignored
          old.close();
        }
      }
      int before = failed;
      connectAll(all).onComplete(ar -> done.complete(new JsonObject()
          .put("resumed", counters.live.get()).put("failed", failed - before)
          .put("ms", (System.nanoTime() - t0) / 1_000_000)));
    });
    return done.future();
  }

  private Future<Void> connectAll(java.util.List<StreamProbe> list) {
    Promise<Void> p = Promise.promise();
    home.runOnContext(v -> {
      allSettled = p;
      settled = 0;
      queue.addAll(list);
      pump();
      if (list.isEmpty()) {
        p.tryComplete();
      }
    });
    return p.future();
  }

  private int target() {
    return probes.length;
  }

  /** Runs on the generator's own context: starts connects up to the concurrency limit. */
  private void pump() {
    while (inFlight < options.concurrency() && !queue.isEmpty()) {
      StreamProbe p = queue.poll();
      inFlight++;
      connect(p);
    }
  }

  private void settle(boolean ok) {
    inFlight--;
    settled++;
    if (!ok) {
      failed++;
    }
    pump();
    if (settled == target() && allSettled != null) {
      allSettled.tryComplete();
    }
  }

  private void connect(StreamProbe p) {
    String lastId = p.lastEventId();
    p.reconnecting();
    boolean[] settledOnce = {false};
    boolean[] counted = {false};
    loops[p.index % loops.length].runOnContext(v -> connectOnLoop(p, lastId, settledOnce, counted));
  }

  private void connectOnLoop(StreamProbe p, String lastId, boolean[] settledOnce, boolean[] counted) {
    if (h2 != null) {
      connectHttp2(p, lastId, settledOnce, counted);
      return;
    }
    clients[p.index % clients.length].connect(options.port(), options.host()).onComplete(ar -> {
      if (ar.failed()) {
        home.runOnContext(x -> settle(false));
        return;
      }
      io.vertx.core.net.NetSocket s = ar.result();
      p.socket = s;
      // a stream the server accepted but never answers counts as failed, it does not hold the run
      vertx.setTimer(READY_TIMEOUT_MS, t -> {
        if (!settledOnce[0]) {
          s.close();
        }
      });
      StringBuilder req = new StringBuilder(160).append("GET ").append(options.path()).append(" HTTP/1.1\r\nHost: ")
          .append(options.host()).append(':').append(options.port()).append("\r\nAccept: text/event-stream\r\n");
      if (lastId != null) {
        req.append("Last-Event-ID: ").append(lastId).append("\r\n");
      }
      req.append("\r\n");
      s.handler(buf -> {
        if (p.socket != s) {
          return;
        }
        boolean wasReady = p.ready;
        p.feed(buf);
        if (!wasReady && p.ready) {
          counted[0] = true;
          if (!settledOnce[0]) {
            settledOnce[0] = true;
            home.runOnContext(x -> settle(true));
          }
        }
      });
      s.closeHandler(x -> {
        if (counted[0]) {
          counters.live.decrementAndGet();
          counted[0] = false;
        }
        if (p.socket == s) {
          p.ready = false;
          if (!p.closedByUs) {
            counters.closedByServer.increment();
          }
        }
        if (!settledOnce[0]) {
          settledOnce[0] = true;
          home.runOnContext(y -> settle(false));
        }
      });
      s.write(Buffer.buffer(req.toString()));
    });
  }

  private void connectHttp2(StreamProbe p, String lastId, boolean[] settledOnce, boolean[] counted) {
    io.vertx.core.http.RequestOptions ro = new io.vertx.core.http.RequestOptions().setHost(options.host())
        .setPort(options.port()).setURI(options.path()).putHeader("Accept", "text/event-stream");
    if (lastId != null) {
      ro.putHeader("Last-Event-ID", lastId);
    }
    Runnable gone = () -> {
      if (counted[0]) {
        counters.live.decrementAndGet();
        counted[0] = false;
      }
      p.ready = false;
      if (!p.closedByUs) {
        counters.closedByServer.increment();
      }
      if (!settledOnce[0]) {
        settledOnce[0] = true;
        home.runOnContext(y -> settle(false));
      }
    };
    // the answer's handlers are set in send()'s own listener: one composition further, data could come first
    io.vertx.core.Handler<io.vertx.core.AsyncResult<io.vertx.core.http.HttpClientResponse>> answered = ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        if (ar.succeeded()) {
          counters.badStatus.increment();
        }
        settledOnce[0] = true;
        home.runOnContext(x -> settle(false));
        return;
      }
      io.vertx.core.http.HttpClientResponse resp = ar.result();
      p.http2Started();
      counted[0] = true;
      settledOnce[0] = true;
      home.runOnContext(x -> settle(true));
      resp.handler(p::feed);
      resp.endHandler(v -> gone.run());
      resp.exceptionHandler(e -> gone.run());
    };
    h2.request(ro)
        .onFailure(e -> answered.handle(io.vertx.core.Future.failedFuture(e)))
        .onSuccess(req -> {
          p.h2Request = req;
          req.send().onComplete(answered);
        });
  }

  /** Starts the measured window: events with seq >= {@code fromSeq} count for deliveries/s and latency. */
  public void window(long fromSeq) {
    counters.latencyMicros.getIntervalHistogram();
    counters.heartbeatMs.getIntervalHistogram();
    loopLagMs.getIntervalHistogram();
    counters.windowDeliveries.reset();
    windowCpuStartMs = cpuMs();
    windowStartNanos = System.nanoTime();
    counters.windowFromSeq = fromSeq;
  }

  /** Cheap progress reading: {live, deliveries, windowDeliveries, heartbeats}. */
  public JsonObject snapshot() {
    return new JsonObject().put("live", counters.live.get()).put("deliveries", counters.deliveries.sum())
        .put("windowDeliveries", counters.windowDeliveries.sum()).put("heartbeats", counters.heartbeats.sum());
  }

  /**
   * Everything measured since {@link #window}; {@code lastSeq} is the last seq published, so that every
   * stream that was open from seq 1 should have received seqs 1..lastSeq exactly once. Resets the window's
   * histograms.
   */
  public JsonObject report(long lastSeq) {
    long missing = 0;
    long dups = 0;
    long streamsMissing = 0;
    for (StreamProbe p : probes) {
      if (!p.everReady) {
        continue;
      }
      long m = Math.max(0, lastSeq - p.received);
      missing += m;
      streamsMissing += m > 0 ? 1 : 0;
      dups += p.duplicates;
    }
    long wallMs = Math.max(1, (System.nanoTime() - windowStartNanos) / 1_000_000);
    long cpu = cpuMs() - windowCpuStartMs;
    Histogram lag = loopLagMs.getIntervalHistogram();
    Histogram[] spread = counters.spread.histograms(counters.windowFromSeq, lastSeq);
    return new JsonObject()
        .put("streams", probes.length)
        .put("live", counters.live.get())
        .put("failed", failed)
        .put("closedByServer", counters.closedByServer.sum())
        .put("badStatus", counters.badStatus.sum())
        .put("deliveries", counters.deliveries.sum())
        .put("windowDeliveries", counters.windowDeliveries.sum())
        .put("missing", missing)
        .put("streamsMissing", streamsMissing)
        .put("duplicates", dups)
        .put("resets", counters.resets.sum())
        .put("heartbeats", counters.heartbeats.sum())
        .put("latencyMicros", encode(counters.latencyMicros.getIntervalHistogram()))
        .put("heartbeatMs", encode(counters.heartbeatMs.getIntervalHistogram()))
        .put("firstDeliveryMicros", encode(spread[0]))
        .put("lastDeliveryMicros", encode(spread[1]))
        .put("cpuMs", cpu)
        .put("wallMs", wallMs)
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("loopLagP99Ms", lag.getValueAtPercentile(99))
        .put("loopLagMaxMs", lag.getMaxValue());
  }

  static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n));
  }

  static Histogram decode(String s) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(s)), 0);
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static long cpuMs() {
    return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L);
  }

  /** Closes every stream (and the generator's own Vert.x, if it has one). */
  public Future<Void> close() {
    for (StreamProbe p : probes) {
      if (p.socket != null) {
        p.closedByUs = true;
        p.socket.close();
      }
      if (p.h2Request != null) {
        p.closedByUs = true;
      }
    }
    java.util.List<Future<Void>> closing = new java.util.ArrayList<>();
    if (h2 != null) {
      closing.add(h2.close());
    }
    for (NetClient c : clients) {
      closing.add(c.close());
    }
    Future<Void> all = Future.join(closing).mapEmpty();
    return ownsVertx ? all.eventually(vertx::close) : all;
  }
}
