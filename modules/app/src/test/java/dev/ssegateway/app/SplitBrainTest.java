package dev.ssegateway.app;

import com.hazelcast.config.Config;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Split brain (issue 18, point 7): two clustered nodes whose Hazelcast member traffic and event bus traffic go
 * through {@link CutProxy proxies} that the test cuts and heals. Both sides publish during the split; after the
 * merge, a stream that stayed connected and a client that resumes, on either side, get every event of the other
 * side or a {@code reset} naming its origin before the next event they do get from it: never silence.
 */
@ExtendWith(VertxExtension.class)
class SplitBrainTest {

  private static final Logger LOG = LoggerFactory.getLogger(SplitBrainTest.class);
  private static final String TOPIC = "t";
  private static final int PER_PHASE = 5;

  private final ClusterNodes cluster = new ClusterNodes();
  private final List<CutProxy> proxies = new ArrayList<>();
  /** Per origin, every event published on TOPIC: its data and seq, in order. */
  private final Map<String, List<Published>> published = new HashMap<>();
  private final Map<SseTestClient, io.vertx.core.Context> contexts = new java.util.concurrent.ConcurrentHashMap<>();

  private record Published(String data, long seq) {
  }

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
    for (CutProxy p : proxies) {
      p.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * A free loopback port below the kernel's ephemeral range. The port is bound later (a Hazelcast member's, an event
   * bus's, after the other member has started): one from the ephemeral range (what a port-0 bind gives) can meanwhile
   * be handed to any outgoing connection or port-0 listener, of which the joining members make hundreds; ports below
   * that range are only taken by explicit binds.
   */
  private static int freePort() throws IOException {
    int low = 32768;
    try {
      low = Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
          .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: keep the usual lower bound
    }
    if (low > 12_000) {
      java.util.Random random = java.util.concurrent.ThreadLocalRandom.current();
      for (int attempt = 0; attempt < 200; attempt++) {
        int port = 10_000 + random.nextInt(low - 10_000);
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
          return s.getLocalPort();
        } catch (IOException taken) {
          // another one
        }
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private Config memberConfig(int port, int publicPort, List<Integer> memberPublicPorts) throws IOException {
    Config config = cluster.hazelcastConfig();
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false)
        .setPublicAddress("127.0.0.1:" + publicPort);
    config.getNetworkConfig().getJoin().getTcpIpConfig()
        .setMembers(memberPublicPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "3");
    config.setProperty("hazelcast.operation.call.timeout.millis", "5000");
    return config;
  }

  private void publish(Vertx driver, String node, String data) throws Exception {
    String id = cluster.node(node).publisher().publish(TOPIC, data).await(10, TimeUnit.SECONDS);
    published.computeIfAbsent(node, k -> new ArrayList<>()).add(new Published(data, Cursor.parse(id).position(node)));
  }

  private static long members(HazelcastClusterManager m) {
    return m.getNodes().size();
  }

  private static void until(Vertx driver, java.util.function.BooleanSupplier condition, String what) throws Exception {
    long start = System.currentTimeMillis();
    ClusterNodes.until(driver, condition).await(70, TimeUnit.SECONDS);
    LOG.info("split-test: {} after {} ms", what, System.currentTimeMillis() - start);
  }

  @Test
  @Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
  void afterAMergeEveryClientGetsEveryEventOrAResetNamingItsOrigin(Vertx driver) throws Exception {
    HttpClient client = driver.createHttpClient();
    int hzA = freePort();
    int hzB = freePort();
    int ebA = freePort();
    int ebB = freePort();
    CutProxy hzProxyA = new CutProxy(driver, hzA).start().await(10, TimeUnit.SECONDS);
    CutProxy hzProxyB = new CutProxy(driver, hzB).start().await(10, TimeUnit.SECONDS);
    CutProxy ebProxyA = new CutProxy(driver, ebA).start().await(10, TimeUnit.SECONDS);
    CutProxy ebProxyB = new CutProxy(driver, ebB).start().await(10, TimeUnit.SECONDS);
    proxies.addAll(List.of(hzProxyA, hzProxyB, ebProxyA, ebProxyB));
    List<Integer> seeds = List.of(hzProxyA.port(), hzProxyB.port());
    HazelcastClusterManager managerA = new HazelcastClusterManager(memberConfig(hzA, hzProxyA.port(), seeds));
    HazelcastClusterManager managerB = new HazelcastClusterManager(memberConfig(hzB, hzProxyB.port(), seeds));
    cluster.start("a", null, Clock.systemUTC(), managerA, new EventBusOptions().setHost("127.0.0.1").setPort(ebA)
        .setClusterPublicHost("127.0.0.1").setClusterPublicPort(ebProxyA.port())).await(60, TimeUnit.SECONDS);
    cluster.start("b", null, Clock.systemUTC(), managerB, new EventBusOptions().setHost("127.0.0.1").setPort(ebB)
        .setClusterPublicHost("127.0.0.1").setClusterPublicPort(ebProxyB.port())).await(60, TimeUnit.SECONDS);
    cluster.awaitMesh(driver, client).await(60, TimeUnit.SECONDS);

    SseTestClient liveA = open(client, "a", null);
    SseTestClient liveB = open(client, "b", null);
    for (int i = 1; i <= PER_PHASE; i++) {
      publish(driver, "a", "a-pre-" + i);
      publish(driver, "b", "b-pre-" + i);
    }
    await(liveA, fs -> SseTestClient.count(fs, "message") >= 2 * PER_PHASE).await(30, TimeUnit.SECONDS);
    await(liveB, fs -> SseTestClient.count(fs, "message") >= 2 * PER_PHASE).await(30, TimeUnit.SECONDS);
    String beforeCutA = lastId(await(liveA, fs -> true).await(10, TimeUnit.SECONDS));
    String beforeCutB = lastId(await(liveB, fs -> true).await(10, TimeUnit.SECONDS));

    proxies.forEach(CutProxy::cut);
    until(driver, () -> members(managerA) == 1 && members(managerB) == 1, "split (each side alone)");
    for (int i = 1; i <= PER_PHASE; i++) {
      publish(driver, "a", "a-split-" + i);
      publish(driver, "b", "b-split-" + i);
    }
    await(liveA, fs -> fs.stream().anyMatch(f -> f.data().equals("a-split-" + PER_PHASE))).await(30, TimeUnit.SECONDS);
    await(liveB, fs -> fs.stream().anyMatch(f -> f.data().equals("b-split-" + PER_PHASE))).await(30, TimeUnit.SECONDS);

    proxies.forEach(CutProxy::heal);
    until(driver, () -> members(managerA) == 2 && members(managerB) == 2, "merge (two members again)");
    logSubs("right after the merge", managerA, managerB);
    // events flow again once each side's subscriptions are known to the other: publish until both streams get
    // an event of the other side published after the merge (bounded: 60 s)
    int post = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    Future<?> crossed = Future.all(await(liveA, fs -> anyStartsWith(fs, "b-post-")),
        await(liveB, fs -> anyStartsWith(fs, "a-post-")));
    while (!crossed.isComplete()) {
      if (System.currentTimeMillis() > deadline) {
        logSubs("no crossing", managerA, managerB);
        fail("no event crossed within 60 s of the merge: a saw " + snapshot(liveA) + ", b saw " + snapshot(liveB));
      }
      post++;
      publish(driver, "a", "a-post-" + post);
      publish(driver, "b", "b-post-" + post);
      // the next round once both crossed or after 500 ms
      int round = post;
      io.vertx.core.Future.all(await(liveA, fs -> has(fs, "b-post-" + round)),
              await(liveB, fs -> has(fs, "a-post-" + round)))
          .timeout(500, TimeUnit.MILLISECONDS).otherwiseEmpty().await(10, TimeUnit.SECONDS);
    }
    LOG.info("split-test: first crossing after {} post-merge rounds", post);
    logSubs("after the first crossing", managerA, managerB);
    // then rounds of one event from each side until both live streams got the two events of one round: every stream
    // then has a received event of each origin after every split event (events lost meanwhile were told with a
    // reset, which assertNoSilentGap checks); bounded: 60 s
    int last = 0;
    boolean both = false;
    deadline = System.currentTimeMillis() + 60_000;
    while (!both) {
      if (System.currentTimeMillis() > deadline) {
        logSubs("on failure", managerA, managerB);
        fail("no round of events reached both live streams: live on a " + snapshot(liveA) + "; live on b "
            + snapshot(liveB));
      }
      last++;
      String a = "a-last-" + last;
      String b = "b-last-" + last;
      publish(driver, "a", a);
      publish(driver, "b", b);
      Future<?> round = Future.all(await(liveA, fs -> has(fs, a) && has(fs, b)), await(liveB, fs -> has(fs, a)
          && has(fs, b)));
      round.timeout(1000, TimeUnit.MILLISECONDS).otherwiseEmpty().await(10, TimeUnit.SECONDS);
      both = round.succeeded();
    }
    String aLast = "a-last-" + last;
    String bLast = "b-last-" + last;
    LOG.info("split-test: a round reached both live streams after {} rounds", last);

    SseTestClient resumedA = open(client, "a", beforeCutA);
    SseTestClient resumedB = open(client, "b", beforeCutB);
    await(resumedA, fs -> has(fs, aLast) && has(fs, bLast)).await(30, TimeUnit.SECONDS);
    await(resumedB, fs -> has(fs, aLast) && has(fs, bLast)).await(30, TimeUnit.SECONDS);

    Map<String, SseTestClient> clients = Map.of("live on a", liveA, "live on b", liveB, "resumed on a", resumedA,
        "resumed on b", resumedB);
    for (Map.Entry<String, SseTestClient> c : clients.entrySet()) {
      List<SseFrame> frames = await(c.getValue(), fs -> true).await(10, TimeUnit.SECONDS);
      LOG.info("split-test: {}: {}", c.getKey(), summary(frames));
      for (String origin : List.of("a", "b")) {
        assertNoSilentGap(c.getKey(), origin, frames);
      }
    }
    // the live stream on a was told of b's split events (a reset naming b), or got them
    List<SseFrame> onA = await(liveA, fs -> true).await(10, TimeUnit.SECONDS);
    assertTrue(resetsNaming(onA, "b") > 0 || has(onA, "b-split-1"), () -> "live on a: " + summary(onA));
  }

  /** Logs which members' registrations of the events address the cluster's registry holds, as each member sees it. */
  private static void logSubs(String when, HazelcastClusterManager a, HazelcastClusterManager b) {
    for (HazelcastClusterManager m : List.of(a, b)) {
      io.vertx.core.Promise<List<io.vertx.core.spi.cluster.RegistrationInfo>> regs = io.vertx.core.Promise.promise();
      m.getRegistrations(BusAddresses.EVENTS, regs);
      regs.future().onComplete(ar -> LOG.info("split-test: {}: vert.x node {} sees registrations of {}: {}", when,
          m.getNodeId(), BusAddresses.EVENTS, ar.succeeded() ? ar.result() : ar.cause()));
    }
  }

  private SseTestClient open(HttpClient client, String node, String lastId) throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (lastId != null) {
      headers.add(WireNames.LAST_EVENT_ID_HEADER, lastId);
    }
    // frames are appended on the stream's context: every look at them happens there too
    return SseTestClient.open(client, cluster.node(node).port(), "/events?topic=" + TOPIC, headers)
        .compose(s -> {
          contexts.put(s, Vertx.currentContext());
          return s.awaitType(WireNames.HELLO, 1).map(x -> s);
        })
        .await(30, TimeUnit.SECONDS);
  }

  /** {@code s.await(condition)} run on the stream's context. */
  private Future<List<SseFrame>> await(SseTestClient s, java.util.function.Predicate<List<SseFrame>> condition) {
    io.vertx.core.Promise<List<SseFrame>> result = io.vertx.core.Promise.promise();
    contexts.get(s).runOnContext(v -> s.await(condition).onComplete(result));
    return result.future();
  }

  private static String lastId(List<SseFrame> frames) {
    return frames.get(frames.size() - 1).id();
  }

  private static boolean has(List<SseFrame> frames, String data) {
    return frames.stream().anyMatch(f -> f.type().equals("message") && f.data().equals(data));
  }

  private static boolean anyStartsWith(List<SseFrame> frames, String prefix) {
    return frames.stream().anyMatch(f -> f.type().equals("message") && f.data().startsWith(prefix));
  }

  /** The stream's frames so far, copied on its own context. */
  private List<String> snapshot(SseTestClient s) {
    try {
      return summary(await(s, fs -> true).await(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      return List.of("(unreadable: " + e + ")");
    }
  }

  private static long resetsNaming(List<SseFrame> frames, String origin) {
    return frames.stream().filter(f -> f.type().equals(WireNames.RESET)).filter(f -> lostOf(f, origin) != null)
        .count();
  }

  private static JsonObject lostOf(SseFrame reset, String origin) {
    JsonArray lost = new JsonObject(reset.data()).getJsonArray("lost");
    for (int i = 0; i < lost.size(); i++) {
      if (origin.equals(lost.getJsonObject(i).getString("origin"))) {
        return lost.getJsonObject(i);
      }
    }
    return null;
  }

  private static List<String> summary(List<SseFrame> frames) {
    return frames.stream().filter(f -> !f.type().equals(WireNames.HEARTBEAT))
        .map(f -> f.type().equals("message") ? f.data() : f.type() + (f.type().equals(WireNames.RESET)
            ? new JsonObject(f.data()).getJsonArray("lost").encode() : ""))
        .toList();
  }

  /**
   * Every event of {@code origin} published on the topic that the stream did not get, while it got a later one of
   * that origin, was announced: a {@code reset} naming the origin, after a seq below the missed event's, came
   * before that later event.
   */
  private void assertNoSilentGap(String who, String origin, List<SseFrame> frames) {
    List<Published> all = published.getOrDefault(origin, List.of());
    Map<String, Integer> at = new HashMap<>();
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).type().equals("message")) {
        at.put(frames.get(i).data(), i);
      }
    }
    int firstDelivered = -1;
    for (int k = 0; k < all.size(); k++) {
      if (at.containsKey(all.get(k).data())) {
        firstDelivered = k;
        break;
      }
    }
    for (int k = Math.max(firstDelivered, 0); k < all.size(); k++) {
      Published missed = all.get(k);
      if (at.containsKey(missed.data())) {
        continue;
      }
      Integer later = null;
      for (int j = k + 1; j < all.size() && later == null; j++) {
        later = at.get(all.get(j).data());
      }
      if (later == null) {
        continue;
      }
      boolean told = false;
      for (int i = 0; i < later && !told; i++) {
        SseFrame f = frames.get(i);
        if (f.type().equals(WireNames.RESET)) {
          JsonObject lost = lostOf(f, origin);
          told = lost != null && Cursor.parse(origin + "." + lost.getString("after")).position(origin) < missed.seq();
        }
      }
      final int k2 = k;
      assertTrue(told, () -> who + ": event " + all.get(k2).data() + " of origin " + origin
          + " was skipped silently; frames " + summary(frames));
    }
  }
}
