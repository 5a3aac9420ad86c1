package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ids stay small as members come and go (issue 18, point 6): after 20 rolling restarts with new names, the
 * origins that left are pruned from new ids once their events have left the history, so the id is back to the
 * length for the live origins; a client resuming with an old id that still names them gets no {@code reset} and
 * no duplicate. Prints the id lengths the docs quote.
 */
@ExtendWith(VertxExtension.class)
class OriginPruningTest {

  private static final int MAX_AGE_MS = 1000;

  /** An origin name like {@code EventPublisher.randomName()}: {@code n} and 7 base-36 characters. */
  private static String podName(int i) {
    return "n" + String.format("%7s", Integer.toString(i, 36)).replace(' ', '0');
  }

  private static String idOf(int origins, long seq) {
    Cursor c = Cursor.EMPTY;
    for (int i = 0; i < origins; i++) {
      c = c.advance(podName(1000 + i), seq);
    }
    return c.toString();
  }

  /** Opens streams until one's hello names exactly {@code names}; bounded by the caller's await. */
  private static Future<String> helloNaming(Vertx vertx, HttpClient client, int port, Set<String> names) {
    Promise<String> done = Promise.promise();
    long deadline = System.currentTimeMillis() + 30_000;
    vertx.setPeriodic(250, timer -> SseTestClient.open(client, port, "/events?topic=t")
        .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> {
          s.close();
          return f.get(0).id();
        }))
        .onSuccess(id -> {
          if (Cursor.parse(id).positions().keySet().equals(names)) {
            vertx.cancelTimer(timer);
            done.tryComplete(id);
          } else if (System.currentTimeMillis() > deadline) {
            vertx.cancelTimer(timer);
            done.tryFail("hello still names " + id);
          }
        }));
    return done.future();
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void afterTwentyRollingRestartsWithNewNamesTheIdIsBackToTheLiveOrigins(Vertx vertx, VertxTestContext ctx)
      throws Exception {
    long micros = System.currentTimeMillis() * 1000L;
    for (int n : new int[] {1, 3, 7, 8, 10}) {
      System.out.printf("id length with %d origins of 8 characters: %d%n", n, idOf(n, micros).length());
    }
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_age_ms", MAX_AGE_MS)), "gw")
        .await(10, TimeUnit.SECONDS);
    SseTestClient stream = SseTestClient.open(client, g.port(), "/events?topic=t").await(10, TimeUnit.SECONDS);
    stream.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);

    // three live members; 20 rolling restarts, each replacing one member by one with a new name
    List<TestOrigin> live = new ArrayList<>();
    int next = 0;
    for (; next < 3; next++) {
      live.add(new TestOrigin(vertx, podName(next), micros));
    }
    int sent = 0;
    for (int restart = 0; restart < 20; restart++) {
      for (TestOrigin o : live) {
        o.publish("t", o.origin() + "/" + o.lastSeq());
        sent++;
      }
      live.set(restart % 3, new TestOrigin(vertx, podName(next++), micros));
    }
    for (TestOrigin o : live) {
      o.publish("t", o.origin() + "/" + o.lastSeq());
      sent++;
    }
    List<SseFrame> first = stream.awaitType("message", sent).await(20, TimeUnit.SECONDS);
    String oldId = stream.lastId();
    int named = Cursor.parse(oldId).positions().size();

    // the live members stay members (their events go to another topic, as a gateway's health probes do)
    long keepAlive = vertx.setPeriodic(200, t -> live.forEach(o -> o.publish("other", "alive")));
    Set<String> liveNames = new TreeSet<>();
    live.forEach(o -> liveNames.add(o.origin()));
    String pruned = helloNaming(vertx, client, g.port(), liveNames).await(40, TimeUnit.SECONDS);

    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, oldId);
    SseTestClient resumed = SseTestClient.open(client, g.port(), "/events?topic=t", headers)
        .await(10, TimeUnit.SECONDS);
    resumed.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    live.get(0).publish("t", "after-prune");
    List<SseFrame> after = resumed.await(fs -> fs.stream().anyMatch(f -> "after-prune".equals(f.data())))
        .await(10, TimeUnit.SECONDS);
    // an id issued after the pruning no longer names the departed origins: their evicted events are not a loss
    SseTestClient late = SseTestClient.open(client, g.port(), "/events?topic=t",
        MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, pruned)).await(10, TimeUnit.SECONDS);
    late.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    live.get(1).publish("t", "after-late");
    List<SseFrame> afterLate = late.await(fs -> fs.stream().anyMatch(f -> "after-late".equals(f.data())))
        .await(10, TimeUnit.SECONDS);
    vertx.cancelTimer(keepAlive);
    ctx.verify(() -> {
      assertEquals(List.of(), afterLate.stream().filter(f -> f.type().equals(WireNames.RESET)).toList(),
          "no reset for an id issued after the pruning: " + pruned);
      assertEquals(List.of("after-prune", "after-late"), afterLate.stream().filter(f -> f.type().equals("message"))
          .map(SseFrame::data).toList(), "exactly what was published after that id, once each");
      assertEquals(23, named, "the id named every origin before pruning: " + oldId);
      assertEquals(List.of(), after.stream().filter(f -> f.type().equals(WireNames.RESET)).toList(),
          "no reset for origins pruned from ids");
      List<SseFrame> messages = after.stream().filter(f -> f.type().equals("message")).toList();
      assertEquals(1, messages.size(), "nothing replayed twice: " + messages);
      String newId = messages.get(0).id();
      assertEquals(liveNames, Cursor.parse(newId).positions().keySet(), "new ids name the live origins only");
      assertTrue(newId.length() < oldId.length());
      assertEquals(first.stream().filter(f -> f.type().equals("message")).count(), 63);
    });
    System.out.printf("20 rolling restarts with new names, 3 live origins: id %d characters before pruning"
        + " (%d origins), %d after (the length for 3 live origins: %d)%n", oldId.length(), named, pruned.length(),
        idOf(3, micros).length());
    ctx.completeNow();
  }
}
