package dev.ssegateway.app;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several clustered gateways in one JVM share one stream: every event reaches every node exactly once. */
@ExtendWith(VertxExtension.class)
class ClusterTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  private Future<Void> startNodes(String... names) {
    Future<Void> chain = Future.succeededFuture();
    for (String name : names) {
      chain = chain.compose(v -> cluster.start(name, null)).mapEmpty();
    }
    return chain;
  }

  /** Checks that the stream holds, per origin, exactly {@code perOrigin} events in publishing order. */
  private static void assertExactlyOncePerOrigin(List<SseFrame> frames, List<String> origins, int perOrigin) {
    Map<String, List<Integer>> byOrigin = new HashMap<>();
    for (SseFrame f : frames) {
      if (f.type().equals("message")) {
        String[] parts = f.data().split("/");
        byOrigin.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
      }
    }
    for (String origin : origins) {
      List<Integer> expected = new ArrayList<>();
      for (int i = 1; i <= perOrigin; i++) {
        expected.add(i);
      }
      assertEquals(expected, byOrigin.get(origin), "events of origin " + origin);
    }
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void everyOriginsEventsReachEveryNodeExactlyOnceWithTheSameIdentity(Vertx driver, VertxTestContext ctx) {
    HttpClient client = driver.createHttpClient();
    List<String> names = List.of("c1", "c2", "c3");
    int perOrigin = 30;
    startNodes("c1", "c2", "c3")
        .compose(v -> cluster.awaitMesh(driver, client))
        .compose(v -> Future.all(cluster.nodes.stream()
            .map(n -> SseTestClient.open(client, n.port(), "/events?topic=shared")
                .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s))).toList()))
        .compose(all -> {
          for (int i = 1; i <= perOrigin; i++) {
            for (ClusterNodes.Node n : cluster.nodes) {
              n.publisher().publish("shared", n.name() + "/" + i);
            }
          }
          return Future.all(all.<SseTestClient>list().stream()
              .map(s -> s.awaitType("message", perOrigin * names.size())).toList()).map(x -> all.<SseTestClient>list());
        })
        .onComplete(ctx.succeeding(streams -> ctx.verify(() -> {
          Map<String, String> identityByData = new HashMap<>();
          for (SseTestClient s : streams) {
            List<SseFrame> frames = s.frames();
            assertExactlyOncePerOrigin(frames, names, perOrigin);
            for (SseFrame f : s.framesOf("message")) {
              String origin = f.data().split("/")[0];
              String identity = origin + ":" + Long.toString(Cursor.parse(f.id()).position(origin), 36);
              String seen = identityByData.putIfAbsent(f.data(), identity);
              assertTrue(seen == null || seen.equals(identity), f.data() + " named " + identity + " and " + seen);
            }
          }
          assertEquals(perOrigin * names.size(), identityByData.size());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void whenOneNodeGoesAwayTheOthersKeepStreaming(Vertx driver, VertxTestContext ctx) {
    HttpClient client = driver.createHttpClient();
    startNodes("d1", "d2", "d3")
        .compose(v -> cluster.awaitMesh(driver, client))
        .compose(v -> Future.all(
            SseTestClient.open(client, cluster.node("d2").port(), "/events?topic=t"),
            SseTestClient.open(client, cluster.node("d3").port(), "/events?topic=t")))
        .compose(streams -> {
          SseTestClient onD2 = streams.resultAt(0);
          SseTestClient onD3 = streams.resultAt(1);
          cluster.node("d1").publisher().publish("t", "before");
          // both streams have it before d1 goes: the event was published while d1 was there
          return Future.all(onD2.awaitType("message", 1), onD3.awaitType("message", 1))
              .compose(x -> cluster.stop("d1"))
              .compose(x -> {
                for (int i = 1; i <= 10; i++) {
                  cluster.node("d2").publisher().publish("t", "after-" + i);
                }
                return Future.all(onD2.awaitType("message", 11), onD3.awaitType("message", 11));
              })
              .map(x -> List.of(onD2, onD3));
        })
        .onComplete(ctx.succeeding(streams -> ctx.verify(() -> {
          for (SseTestClient s : streams) {
            assertFalse(s.isEnded(), "stream stayed open");
            List<String> data = s.framesOf("message").stream().map(SseFrame::data).toList();
            assertEquals("before", data.get(0));
            for (int i = 1; i <= 10; i++) {
              assertEquals("after-" + i, data.get(i));
            }
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aClientResumesOnAnotherNodeWithoutGapOrDuplicate(Vertx driver, VertxTestContext ctx) {
    HttpClient client = driver.createHttpClient();
    List<String> names = List.of("r1", "r2", "r3");
    startNodes("r1", "r2", "r3")
        .compose(v -> cluster.awaitMesh(driver, client))
        .compose(v -> SseTestClient.open(client, cluster.node("r2").port(), "/events?topic=t"))
        .compose(first -> {
          for (int i = 1; i <= 10; i++) {
            for (ClusterNodes.Node n : cluster.nodes) {
              n.publisher().publish("t", n.name() + "/" + i);
            }
          }
          return first.awaitType("message", 30).compose(f -> first.close()).map(x -> first);
        })
        .compose(first -> {
          for (int i = 11; i <= 20; i++) {
            for (ClusterNodes.Node n : cluster.nodes) {
              n.publisher().publish("t", n.name() + "/" + i);
            }
          }
          MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, first.lastId());
          return SseTestClient.open(client, cluster.node("r3").port(), "/events?topic=t", headers)
              .compose(second -> second.awaitType("message", 30).map(f -> {
                List<SseFrame> all = new ArrayList<>(first.frames());
                all.addAll(second.frames());
                return all;
              }));
        })
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertExactlyOncePerOrigin(all, names, 20);
          assertEquals(0, all.stream().filter(f -> f.type().equals(WireNames.RESET)).count());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void theShippedClusterConfigIsLoopbackOnlyWithoutMulticast(VertxTestContext ctx) throws Exception {
    var config = cluster.hazelcastConfig();
    var join = config.getNetworkConfig().getJoin();
    ctx.verify(() -> {
      assertFalse(join.getMulticastConfig().isEnabled());
      assertFalse(join.getAutoDetectionConfig().isEnabled());
      assertTrue(join.getTcpIpConfig().isEnabled());
      assertEquals(List.of("127.0.0.1"), join.getTcpIpConfig().getMembers());
      assertEquals(List.of("127.0.0.1"), new ArrayList<>(config.getNetworkConfig().getInterfaces().getInterfaces()));
      assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
      assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
      assertEquals(cluster.clusterName, config.getClusterName());
      ctx.completeNow();
    });
  }
}
