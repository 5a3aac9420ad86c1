package dev.ssegateway.app;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sequences are never reused (issue 18, point 3): an origin restarted on a clock one hour behind starts above
 * the highest seq the live members have seen from it, so every event reaches every node exactly once.
 */
@ExtendWith(VertxExtension.class)
class SequenceAcrossRestartTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void anOriginRestartedOnAClockOneHourBehindReusesNoSequence(Vertx driver, VertxTestContext ctx) throws Exception {
    HttpClient client = driver.createHttpClient();
    int n = 20;
    cluster.start("a", null).await(60, TimeUnit.SECONDS);
    cluster.start("b", null).await(60, TimeUnit.SECONDS);
    cluster.awaitMesh(driver, client).await(60, TimeUnit.SECONDS);
    SseTestClient onB = SseTestClient.open(client, cluster.node("b").port(), "/events?topic=t")
        .await(30, TimeUnit.SECONDS);
    onB.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    for (int i = 1; i <= n; i++) {
      cluster.node("a").publisher().publish("t", "before-" + i);
    }
    onB.awaitType("message", n).await(30, TimeUnit.SECONDS);
    long lastBefore = Cursor.parse(onB.lastId()).position("a");

    cluster.stop("a").await(30, TimeUnit.SECONDS);
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    cluster.start("a", null, behind).await(60, TimeUnit.SECONDS);
    cluster.awaitMesh(driver, client).await(60, TimeUnit.SECONDS);
    SseTestClient onA = SseTestClient.open(client, cluster.node("a").port(), "/events?topic=t")
        .await(30, TimeUnit.SECONDS);
    onA.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add(cluster.node("a").publisher().publish("t", "after-" + i).await(30, TimeUnit.SECONDS));
    }
    onB.awaitType("message", 2 * n).await(30, TimeUnit.SECONDS);
    onA.awaitType("message", n).await(30, TimeUnit.SECONDS);
    ctx.verify(() -> {
      long firstAfter = Cursor.parse(ids.get(0)).position("a");
      assertTrue(firstAfter > lastBefore, "restart starts above " + lastBefore + ": " + firstAfter);
      assertTrue(firstAfter < Clock.systemUTC().millis() * 1000L,
          "and below the true clock: the seq continued from the cluster's high-water mark, not from a clock");
      List<String> expectedB = new ArrayList<>();
      List<String> expectedA = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        expectedB.add("before-" + i);
      }
      for (int i = 1; i <= n; i++) {
        expectedB.add("after-" + i);
        expectedA.add("after-" + i);
      }
      assertEquals(expectedB, onB.framesOf("message").stream().map(SseFrame::data).toList(), "on b");
      assertEquals(expectedA, onA.framesOf("message").stream().map(SseFrame::data).toList(), "on a");
      assertEquals(0, onB.framesOf(WireNames.RESET).size());
    });
    ctx.completeNow();
  }
}
