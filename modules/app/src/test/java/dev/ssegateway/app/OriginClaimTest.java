package dev.ssegateway.app;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.OriginClaim;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.Future;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An origin name is held by one live member at a time, also when two members claim it at the same moment. */
@ExtendWith(VertxExtension.class)
class OriginClaimTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void simultaneousClaimsOfOneNameHaveExactlyOneWinnerAndALeftMembersNameCanBeTakenAgain(VertxTestContext ctx)
      throws Exception {
    ClusterNodes.Member a = cluster.member().await(60, TimeUnit.SECONDS);
    ClusterNodes.Member b = cluster.member().await(60, TimeUnit.SECONDS);
    int rounds = 20;
    List<String> winners = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      String name = "same-" + i;
      // both claims are issued before either completes
      Future<OriginClaim> fa = OriginClaim.claim(a.vertx(), a.manager(), name);
      Future<OriginClaim> fb = OriginClaim.claim(b.vertx(), b.manager(), name);
      Future.join(fa, fb).transform(x -> Future.succeededFuture()).await(30, TimeUnit.SECONDS);
      ctx.verify(() -> {
        assertEquals(1, (fa.succeeded() ? 1 : 0) + (fb.succeeded() ? 1 : 0), name + ": exactly one winner");
        Throwable lost = fa.succeeded() ? fb.cause() : fa.cause();
        assertInstanceOf(OriginClaim.TakenException.class, lost);
        String holderNode = fa.succeeded() ? a.manager().getNodeId() : b.manager().getNodeId();
        assertTrue(lost.getMessage().contains("'" + name + "'") && lost.getMessage().contains(holderNode),
            lost.getMessage());
      });
      winners.add(fa.succeeded() ? "a" : "b");
    }
    // a claim again by the holder itself, or after the holder released or left, succeeds
    OriginClaim.claim(b.vertx(), b.manager(), "only-b").await(30, TimeUnit.SECONDS);
    Future<OriginClaim> whileLive = OriginClaim.claim(a.vertx(), a.manager(), "only-b");
    whileLive.otherwise((OriginClaim) null).await(30, TimeUnit.SECONDS);
    ctx.verify(() -> assertInstanceOf(OriginClaim.TakenException.class, whileLive.cause()));
    cluster.members.remove(b);
    String bNode = b.manager().getNodeId();
    b.vertx().close().await(30, TimeUnit.SECONDS);
    ClusterNodes.until(a.vertx(), () -> !a.manager().getNodes().contains(bNode)).await(30, TimeUnit.SECONDS);
    OriginClaim retaken = OriginClaim.claim(a.vertx(), a.manager(), "only-b").await(30, TimeUnit.SECONDS);
    ctx.verify(() -> assertEquals("only-b", retaken.origin()));
    System.out.printf("simultaneous claims: %d rounds, exactly one winner each (a won %d)%n", rounds,
        winners.stream().filter("a"::equals).count());
    ctx.completeNow();
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aPublisherOnlyMemberCannotTakeAGatewaysNameAndContinuesItsOwnSequenceAfterARestart(Vertx driver,
                                                                                          VertxTestContext ctx)
      throws Exception {
    HttpClient client = driver.createHttpClient();
    ClusterNodes.Node gw = cluster.start("gw", null).await(60, TimeUnit.SECONDS);
    ClusterNodes.Member pub = cluster.member().await(60, TimeUnit.SECONDS);
    Future<EventPublisher> stolen = EventPublisher.install(pub.vertx(), pub.manager(), "gw");
    stolen.otherwise((EventPublisher) null).await(30, TimeUnit.SECONDS);
    ctx.verify(() -> assertInstanceOf(OriginClaim.TakenException.class, stolen.cause()));

    EventPublisher first = EventPublisher.install(pub.vertx(), pub.manager(), "pub1")
        .await(30, TimeUnit.SECONDS);
    SseTestClient stream = SseTestClient.open(client, gw.port(), "/events?topic=p").await(30, TimeUnit.SECONDS);
    stream.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    // the bus subscription of the new member may take a moment: publish until the first one arrives
    long timer = pub.vertx().setPeriodic(100, t -> first.publish("p", "warm"));
    stream.awaitType("message", 1).await(30, TimeUnit.SECONDS);
    pub.vertx().cancelTimer(timer);
    for (int i = 1; i <= 5; i++) {
      first.publish("p", "one-" + i);
    }
    stream.await(fs -> fs.stream().anyMatch(f -> "one-5".equals(f.data()))).await(20, TimeUnit.SECONDS);
    long lastSeq = Cursor.parse(stream.lastId()).position("pub1");

    // the publisher-only member restarts on a clock one hour behind: it continues above what gw has seen
    cluster.members.remove(pub);
    pub.vertx().close().await(30, TimeUnit.SECONDS);
    ClusterNodes.Member again = cluster.member().await(60, TimeUnit.SECONDS);
    EventPublisher second = EventPublisher.join(again.vertx(), again.manager(), "pub1",
        Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)), () -> 65536).await(30, TimeUnit.SECONDS);
    long timer2 = again.vertx().setPeriodic(100, t -> second.publish("p", "two-warm"));
    stream.await(fs -> fs.stream().anyMatch(f -> "two-warm".equals(f.data()))).await(30, TimeUnit.SECONDS);
    again.vertx().cancelTimer(timer2);
    second.publish("p", "two-1");
    List<SseFrame> frames = stream.await(fs -> fs.stream().anyMatch(f -> "two-1".equals(f.data())))
        .await(20, TimeUnit.SECONDS);
    ctx.verify(() -> {
      SseFrame firstAfterRestart = frames.stream().filter(f -> "two-warm".equals(f.data())).findFirst().orElseThrow();
      assertTrue(Cursor.parse(firstAfterRestart.id()).position("pub1") > lastSeq, "no seq reused");
      assertEquals(List.of("one-1", "one-2", "one-3", "one-4", "one-5"), frames.stream()
          .map(SseFrame::data).filter(d -> d.startsWith("one-")).toList());
    });
    ctx.completeNow();
  }
}
