package dev.ssegateway.app;

import dev.ssegateway.publisher.OriginClaim;
import io.vertx.core.Future;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
