package dev.ssegateway.app;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.HighWaterUnknownException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a (re)joining origin learns where its sequence starts ({@code EventPublisher.join}, which asks every other
 * member at {@link BusAddresses#originSeq}): alone, or beside members that announce no gateway and have no answer
 * address ("no handlers"), it starts from its own clock; a member's answer raises the start above it; a member that
 * stays in the cluster but fails to answer fails the join instead of being read as "seen nothing", and so does a
 * gateway member whose answer address is missing from the cluster's subscription map (it is asked again until the
 * registration is back).
 */
class OriginSeqJoinTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  private static long firstSeq(EventPublisher publisher) throws Exception {
    return Cursor.parse(publisher.publish("t", "first").await(10, TimeUnit.SECONDS)).position(publisher.origin());
  }

  private static EventPublisher join(ClusterNodes.Member m, String origin, Clock clock) throws Exception {
    return EventPublisher.join(m.vertx(), m.manager(), origin, clock, () -> 1024).await(60, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aloneOrBesideMembersWithoutTheAnswerAddressTheOriginStartsFromItsOwnClock() throws Exception {
    Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    ClusterNodes.Member alone = cluster.member().await(60, TimeUnit.SECONDS);
    long before = behind.millis() * 1000L;
    assertTrue(firstSeq(join(alone, "solo", behind)) > before, "alone: from its own clock");

    // `alone` has a publisher but announces no gateway and has no answer address: "no handlers" at once counts as 0
    ClusterNodes.Member second = cluster.member().await(60, TimeUnit.SECONDS);
    long asked = System.nanoTime();
    long first = firstSeq(join(second, "late", behind));
    long tookMs = (System.nanoTime() - asked) / 1_000_000;
    assertTrue(first > behind.millis() * 1000L - 60_000_000L && first < Clock.systemUTC().millis() * 1000L,
        "from its own clock, an hour behind: " + first);
    assertTrue(tookMs < 10_000, "'no handlers' is an answer, not a wait for the answer timeout: " + tookMs + " ms");
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aMembersAnswerRaisesTheStartAboveIt() throws Exception {
    ClusterNodes.Member gateway = cluster.member().await(60, TimeUnit.SECONDS);
    long highest = (Clock.systemUTC().millis() + 3_600_000L) * 1000L;
    gateway.vertx().eventBus().<String>consumer(BusAddresses.originSeq(gateway.manager().getNodeId()),
        m -> m.reply("a".equals(m.body()) ? highest : 0L)).completion().await(30, TimeUnit.SECONDS);
    ClusterNodes.Member joining = cluster.member().await(60, TimeUnit.SECONDS);
    assertEquals(highest + 1, firstSeq(join(joining, "a", Clock.systemUTC())), "above what the member has seen");
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aMemberThatStaysButFailsToAnswerFailsTheJoin() throws Exception {
    ClusterNodes.Member gateway = cluster.member().await(60, TimeUnit.SECONDS);
    gateway.vertx().eventBus().<String>consumer(BusAddresses.originSeq(gateway.manager().getNodeId()),
        m -> m.fail(500, "fan-out unavailable")).completion().await(30, TimeUnit.SECONDS);
    ClusterNodes.Member joining = cluster.member().await(60, TimeUnit.SECONDS);
    Exception e = assertThrows(Exception.class, () -> join(joining, "a", Clock.systemUTC()));
    assertTrue(String.valueOf(e.getMessage()).contains("could not learn the highest seq of origin a"), e.toString());
    assertTrue(String.valueOf(e.getMessage()).contains("3 attempts"), e.toString());
  }

  /** Completes when {@code joining} has sent its {@code n}th request to {@code member}'s answer address. */
  private static Future<Void> requestsSent(ClusterNodes.Member joining, ClusterNodes.Member member, int n) {
    String address = BusAddresses.originSeq(member.manager().getNodeId());
    AtomicInteger sent = new AtomicInteger();
    Promise<Void> reached = Promise.promise();
    joining.vertx().eventBus().addOutboundInterceptor(delivery -> {
      if (address.equals(delivery.message().address()) && sent.incrementAndGet() >= n) {
        reached.tryComplete();
      }
      delivery.next();
    });
    return reached.future();
  }

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aGatewayWhoseAnswerAddressIsLostIsAskedAgainUntilItIsBack() throws Exception {
    ClusterNodes.Member gateway = cluster.member(true).await(60, TimeUnit.SECONDS);
    String address = BusAddresses.originSeq(gateway.manager().getNodeId());
    long highest = (Clock.systemUTC().millis() + 3_600_000L) * 1000L;
    // its answer registered, then gone from the cluster's subscription map (what SubscriptionWatch repairs)
    MessageConsumer<String> lost = gateway.vertx().eventBus().consumer(address, m -> m.reply(highest));
    lost.completion().await(30, TimeUnit.SECONDS);
    lost.unregister().await(30, TimeUnit.SECONDS);
    ClusterNodes.Member joining = cluster.member().await(60, TimeUnit.SECONDS);
    Future<Void> askedAgain = requestsSent(joining, gateway, 2);
    Future<EventPublisher> joined = EventPublisher.join(joining.vertx(), joining.manager(), "a", Clock.systemUTC(),
        () -> 1024);
    Future.any(askedAgain, joined).await(60, TimeUnit.SECONDS);
    assertFalse(joined.isComplete(), "a gateway's 'no handlers' is not 'seen nothing': the join must wait, it "
        + (joined.succeeded() ? "started from its clock" : "failed: " + joined.cause()));
    gateway.vertx().eventBus().<String>consumer(address, m -> m.reply("a".equals(m.body()) ? highest : 0L))
        .completion().await(30, TimeUnit.SECONDS);
    assertEquals(highest + 1, firstSeq(joined.await(60, TimeUnit.SECONDS)),
        "above what the gateway has seen, once its answer address is back");
  }

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aGatewayThatStaysWithoutAnswerAddressFailsTheJoinNamingIt() throws Exception {
    ClusterNodes.Member gateway = cluster.member(true).await(60, TimeUnit.SECONDS);
    ClusterNodes.Member joining = cluster.member().await(60, TimeUnit.SECONDS);
    long asked = System.nanoTime();
    Exception e = assertThrows(Exception.class, () -> join(joining, "a", Clock.systemUTC()));
    long tookMs = (System.nanoTime() - asked) / 1_000_000;
    HighWaterUnknownException unknown = assertInstanceOf(HighWaterUnknownException.class, e);
    String node = gateway.manager().getNodeId();
    assertEquals(node, unknown.member());
    assertTrue(e.getMessage().contains("could not learn the highest seq of origin a from cluster member " + node)
        && e.getMessage().contains("runs a gateway") && !e.getMessage().contains("\n"), e.getMessage());
    assertTrue(tookMs >= 10_000, "asked again for a while (the registry repairs within seconds): " + tookMs + " ms");
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aClusteredAppThatDoesNotAnnounceItsGatewayRefusesToStart() throws Exception {
    ClusterNodes.Member bare = cluster.member().await(60, TimeUnit.SECONDS);
    Exception e = assertThrows(Exception.class, () -> bare.vertx().deployVerticle(
        new AppVerticle(bare.manager(), Clock.systemUTC()), new DeploymentOptions().setConfig(new JsonObject()
            .put("node_id", "bare").put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))))
        .await(60, TimeUnit.SECONDS));
    assertInstanceOf(AppVerticle.StartupFailure.class, e);
    assertTrue(e.getMessage().contains("GatewayRole.announce"), e.getMessage());
  }
}
