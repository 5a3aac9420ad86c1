package dev.ssegateway.app;

import dev.ssegateway.client.ConnectionState;
import dev.ssegateway.client.SseClient;
import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.SseEvent;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11, scenario 3: three clustered gateway processes, 300 Java clients spread over them (each knows
 * all three URLs and starts on a different one), 200 events/s published on node 1; node 2 is killed
 * with {@code kill -9} mid-stream. Its clients move to the survivors with jittered backoff and resume
 * from the survivors' history: every client ends with every event exactly once, in origin order.
 *
 * <p>The spread of the reconnect burst is judged on the times the moved clients chose for their first attempt (the
 * moment each saw its stream die plus the jittered backoff delay it drew), and each client is shown to have waited
 * that long; the delays alone must spread too, so that the spread is the clients' doing and not only that of the
 * moments they saw the crash (with no jitter those alone put 71 % in one bucket). It is not judged on when this JVM
 * made the attempts or read the survivors' {@code hello}: this JVM parses 300 x 200 events/s and the replays of 100
 * resumes, and on a shared 2-core machine its event loops stall for hundreds of ms (860 ms seen, young GC pauses up
 * to 240 ms); every timer due and every {@code hello} that arrived during a stall is handled at its end, in the same
 * 100 ms. Those times are printed beside the planned ones, with the loops' worst lag.
 */
class NodeCrashIT extends ClusterProcesses {

  private static final int CLIENTS = 300;
  private static final int EVENTS = 3000;
  private static final int RATE_PER_S = 200;
  private static final int KILL_AFTER = 1000;
  private static final String TOPIC = "crash";

  private final List<SseClient> clients = new ArrayList<>();

  /** One client: how many times it saw each counter, the origin order, its state changes. */
  private static final class Traced {
    final int[] seen = new int[EVENTS + 1];
    final List<long[]> connectedAt = new CopyOnWriteArrayList<>();
    /** Every state change after the kill: {nanoTime, state}. */
    final List<Object[]> afterKill = new CopyOnWriteArrayList<>();
    volatile long killedAt = Long.MAX_VALUE;
    volatile String node = "";
    volatile long received;
    volatile long outOfOrder;
    volatile long losses;
    volatile long reconnects;
    long lastSeq = -1;

    void onEvent(SseEvent e) {
      if (e.isLoss()) {
        losses++;
        return;
      }
      int counter = Integer.parseInt(e.data());
      seen[counter]++;
      long seq = Cursor.parse(e.id()).position("n1");
      if (seq <= lastSeq) {
        outOfOrder++;
      }
      lastSeq = Math.max(lastSeq, seq);
      received++;
    }

    void onState(ConnectionState s) {
      long now = System.nanoTime();
      if (now > killedAt) {
        afterKill.add(new Object[] {now, s});
      }
      if (s instanceof ConnectionState.Connected c) {
        node = c.node();
        connectedAt.add(new long[] {now});
      } else if (s instanceof ConnectionState.Reconnecting) {
        reconnects++;
      }
    }
  }

  /** The publishes at 200/s to one node keep up to 16 connections (the fixture's default pool has 5). */
  @Override
  PoolOptions clientPool() {
    return new PoolOptions().setHttp1MaxSize(16);
  }

  /** The clients go first, so that none tries to reconnect while the fixture stops the processes. */
  @AfterEach
  void closeClients() throws Exception {
    List<Future<Void>> closing = new ArrayList<>();
    clients.forEach(c -> closing.add(c.close()));
    Future.join(closing).await(30, TimeUnit.SECONDS);
  }

  private GatewayProcess start(String node) throws Exception {
    return startNode(node, new JsonObject()
        .put("heartbeat_ms", 2000)
        .put("retry_ms", 500)
        .put("history", new JsonObject().put("max_events", 10_000)));
  }

  private void until(BooleanSupplier condition, long timeoutMs, Supplier<String> what) throws Exception {
    Promise<Void> p = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    long timer = vertx.setPeriodic(50, id -> {
      if (condition.getAsBoolean()) {
        p.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        p.tryFail("timed out after " + timeoutMs + " ms waiting for " + what.get());
      }
    });
    try {
      p.future().await(timeoutMs + 5000, TimeUnit.MILLISECONDS);
    } finally {
      vertx.cancelTimer(timer);
    }
  }

  private static long ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  /**
   * One moved client's first reconnect after the kill, in nanoTime: when it saw its stream die ({@code Reconnecting}),
   * the delay it drew, when its timer made the attempt ({@code Connecting}) and when it read a survivor's hello.
   */
  private record Move(long failedAt, long delayMs, long attemptAt, long helloAt) {

    long plannedAt() {
      return failedAt + delayMs * 1_000_000;
    }

    static Move of(Traced t) {
      long failed = -1;
      long delay = -1;
      long attempt = -1;
      long hello = -1;
      for (Object[] e : t.afterKill) {
        long at = (Long) e[0];
        if (failed < 0 && e[1] instanceof ConnectionState.Reconnecting r) {
          failed = at;
          delay = r.delayMs();
        } else if (failed >= 0 && attempt < 0 && e[1] instanceof ConnectionState.Connecting) {
          attempt = at;
        } else if (failed >= 0 && e[1] instanceof ConnectionState.Connected) {
          hello = at;
          break;
        }
      }
      return new Move(failed, delay, attempt, hello);
    }
  }

  /** Counts per 100 ms after {@code from} of the times {@code at} gives (those below 0 are left out). */
  private static Map<Long, Integer> per100ms(long from, List<Move> moves, java.util.function.ToLongFunction<Move> at) {
    Map<Long, Integer> h = new TreeMap<>();
    for (Move m : moves) {
      long t = at.applyAsLong(m);
      if (t >= 0) {
        h.merge(ms(from, t) / 100 * 100, 1, Integer::sum);
      }
    }
    return h;
  }

  /**
   * Measures, from the kill on, how late a 10 ms timer runs on each of this JVM's event loops (the clients' loops):
   * adds {nanoTime, lag in ms} to {@code lags} at each tick. Returns the timers to cancel.
   */
  private List<Long> watchOwnLoops(List<long[]> lags) {
    List<Long> timers = new CopyOnWriteArrayList<>();
    int loops = 2 * Runtime.getRuntime().availableProcessors(); // Vert.x's default event loop pool size
    for (int l = 0; l < loops; l++) {
      vertx.getOrCreateContext().runOnContext(v -> {
        long[] due = {System.nanoTime() + 10_000_000};
        timers.add(vertx.setPeriodic(10, id -> {
          long now = System.nanoTime();
          lags.add(new long[] {now, (now - due[0]) / 1_000_000});
          due[0] = now + 10_000_000;
        }));
      });
    }
    return timers;
  }

  @Test
  void killNineOfOneNodeLosesNoEventForAnyClientAndTheReconnectBurstIsSpread() throws Exception {
    long t0 = System.nanoTime();
    GatewayProcess n1 = start("n1");
    int p1 = n1.awaitReady(120_000);
    GatewayProcess n2 = start("n2");
    GatewayProcess n3 = start("n3");
    int p2 = n2.awaitReady(120_000);
    int p3 = n3.awaitReady(120_000);
    SseTestClient probe2 = SseTestClient.open(client, p2, "/events?topic=probe").await(10, TimeUnit.SECONDS);
    SseTestClient probe3 = SseTestClient.open(client, p3, "/events?topic=probe").await(10, TimeUnit.SECONDS);
    awaitPath(p1, probe2, "formed-2");
    awaitPath(p1, probe3, "formed-3");
    long formedMs = ms(t0, System.nanoTime());

    String u1 = "http://127.0.0.1:" + p1;
    String u2 = "http://127.0.0.1:" + p2;
    String u3 = "http://127.0.0.1:" + p3;
    List<List<String>> orders = List.of(List.of(u1, u2, u3), List.of(u2, u3, u1), List.of(u3, u1, u2),
        List.of(u1, u3, u2), List.of(u2, u1, u3), List.of(u3, u2, u1));
    List<Traced> traced = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Traced t = new Traced();
      traced.add(t);
      // starts on node i % 3; every sixth pair uses the other round-robin direction
      List<String> urls = orders.get(i % 3 + ((i / 3) % 2) * 3);
      SseClient c = SseClient.create(vertx, new SseClientOptions().setUrls(urls).addTopic(TOPIC)
          .setInitialHeartbeatMs(2000));
      c.handler(t::onEvent).stateHandler(t::onState);
      clients.add(c);
      c.start();
    }
    until(() -> traced.stream().allMatch(t -> !t.connectedAt.isEmpty()), 60_000,
        () -> "all clients connected: " + traced.stream().filter(t -> !t.connectedAt.isEmpty()).count());
    Map<String, Integer> spread = new TreeMap<>();
    traced.forEach(t -> spread.merge(t.node, 1, Integer::sum));

    // 200 events/s, sent every 50 ms, counters 1..EVENTS; n2 is killed once KILL_AFTER have been accepted.
    Set<Integer> accepted = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    long pubStart = System.nanoTime();
    long pubTimer = vertx.setPeriodic(1000L * 10 / RATE_PER_S, id -> {
      // as many as the rate allows since the start: a late tick catches up instead of lowering the rate
      long due = Math.min(EVENTS, ms(pubStart, System.nanoTime()) * RATE_PER_S / 1000);
      while (next.get() < due) {
        int counter = next.incrementAndGet();
        publish(p1, TOPIC, Integer.toString(counter)).onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 202) {
            accepted.add(counter);
          } else {
            refused.incrementAndGet();
          }
        });
      }
    });
    long killedAt;
    List<long[]> lags = new CopyOnWriteArrayList<>();
    List<Long> loopTimers = List.of();
    List<Traced> onN2;
    try {
      until(() -> accepted.size() >= KILL_AFTER, 120_000, () -> "the first " + KILL_AFTER + " events accepted");
      onN2 = traced.stream().filter(t -> t.node.equals("n2")).toList();
      loopTimers = watchOwnLoops(lags);
      killedAt = System.nanoTime();
      long kill = killedAt;
      traced.forEach(t -> t.killedAt = kill);
      n2.kill();
      until(() -> next.get() >= EVENTS && accepted.size() + refused.get() >= EVENTS, 120_000,
          () -> "all " + EVENTS + " publishes answered (" + accepted.size() + " accepted)");
    } finally {
      vertx.cancelTimer(pubTimer);
    }
    long pubMs = ms(pubStart, System.nanoTime());
    int total = accepted.size();
    until(() -> traced.stream().allMatch(t -> t.received >= total), 120_000,
        () -> "every client has all " + total + " events: " + traced.stream().filter(t -> t.received >= total).count()
            + " of " + CLIENTS + " complete");
    long completeMs = ms(killedAt, System.nanoTime());
    loopTimers.forEach(vertx::cancelTimer);

    // exactly once, by counter and by origin seq
    int bad = 0;
    String example = "";
    for (int i = 0; i < CLIENTS; i++) {
      Traced t = traced.get(i);
      int missing = 0;
      int dup = 0;
      for (int c = 1; c <= EVENTS; c++) {
        int expected = accepted.contains(c) ? 1 : 0;
        if (t.seen[c] < expected) {
          missing++;
        } else if (t.seen[c] > expected) {
          dup++;
        }
      }
      if (missing + dup > 0 || t.outOfOrder > 0 || t.losses > 0) {
        bad++;
        if (example.isEmpty()) {
          example = "client " + i + ": missing=" + missing + " duplicates=" + dup + " outOfOrder=" + t.outOfOrder
              + " lossNotices=" + t.losses;
        }
      }
    }

    // the burst: n2's clients' first reconnect after the kill, per 100 ms
    List<Move> moves = onN2.stream().map(Move::of).toList();
    List<Move> made = moves.stream().filter(m -> m.failedAt() >= 0 && m.attemptAt() >= 0).toList();
    Map<Long, Integer> planned = per100ms(killedAt, made, Move::plannedAt);
    Map<Long, Integer> attempts = per100ms(killedAt, made, Move::attemptAt);
    Map<Long, Integer> hellos = per100ms(killedAt, made, Move::helloAt);
    int moved = (int) onN2.stream().filter(t -> t.connectedAt.stream().anyMatch(at -> at[0] > t.killedAt)).count();
    // a timer never fires early: an attempt before its planned time would mean the drawn delay was not the one used
    List<Move> early = made.stream().filter(m -> m.attemptAt() < m.plannedAt() - 1_000_000).toList();
    int peak = planned.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    // the clients' own share of the spread: their streams died together, the delays they drew alone must spread them
    Map<Long, Integer> delays = new TreeMap<>();
    made.forEach(m -> delays.merge(m.delayMs() / 100 * 100, 1, Integer::sum));
    int delayPeak = delays.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    StringBuilder bars = new StringBuilder();
    planned.forEach((bucket, n) -> bars.append(String.format("%n  +%4d..%4d ms %3d %s", bucket, bucket + 99, n,
        "#".repeat(n))));
    long lastHello = made.stream().mapToLong(Move::helloAt).max().orElse(killedAt);
    long worstLag = lags.stream().filter(l -> l[0] <= lastHello).mapToLong(l -> l[1]).max().orElse(-1);
    long firstFail = made.stream().mapToLong(Move::failedAt).min().orElse(killedAt);
    long lastFail = made.stream().mapToLong(Move::failedAt).max().orElse(killedAt);
    String burst = String.format("streams seen dead +%d..+%d ms after the kill; backoff delays drawn %d..%d ms,"
            + " per 100 ms %s; attempts as planned (dead + delay) per 100 ms (peak %d of %d):%s%n"
            + "  attempts made per 100 ms: %s%n  hellos read per 100 ms: %s%n"
            + "  worst lag of this JVM's event loops from the kill to the last hello: %d ms",
        ms(killedAt, firstFail), ms(killedAt, lastFail), made.stream().mapToLong(Move::delayMs).min().orElse(-1),
        made.stream().mapToLong(Move::delayMs).max().orElse(-1), delays, peak, made.size(), bars, attempts, hellos,
        worstLag);
    Map<String, Integer> after = new TreeMap<>();
    traced.forEach(t -> after.merge(t.node, 1, Integer::sum));
    System.out.printf("node crash: cluster of 3 formed in %d ms; %d clients %s; %d events published on n1 at"
            + " %d/s in %d ms (%d refused); kill -9 of n2 after %d events; %d clients moved, now %s; every client"
            + " complete %d ms after the kill; clients with a missing/duplicate/out-of-order event: %d;"
            + " %s%n",
        formedMs, CLIENTS, spread, total, RATE_PER_S, pubMs, refused.get(), KILL_AFTER, moved, after,
        completeMs, bad, burst);

    assertEquals(0, refused.get(), "publishes refused by n1");
    assertEquals(0, bad, "clients that lost, repeated or reordered an event, e.g. " + example);
    assertEquals(onN2.size(), moved, "n2's clients reconnected to a survivor");
    assertTrue(onN2.size() >= CLIENTS / 3 - 10, "clients on n2 at the kill: " + onN2.size());
    assertTrue(traced.stream().noneMatch(t -> t.node.equals("n2")), "a client still on n2");
    assertEquals(onN2.size(), made.size(), "n2's clients that saw their stream die and made a reconnect attempt");
    assertTrue(early.isEmpty(), "clients that reconnected before their backoff delay was over, e.g. " + early);
    assertTrue(planned.size() >= 3, "reconnects planned in fewer than 3 buckets of 100 ms: " + planned);
    assertTrue(peak <= made.size() * 0.6, "more than 60 % of the reconnects planned in one 100 ms bucket: " + planned);
    assertTrue(delays.size() >= 3 && delayPeak <= made.size() * 0.6,
        "the backoff delays drawn do not spread over 3 buckets of 100 ms with none over 60 %: " + delays);
  }
}
