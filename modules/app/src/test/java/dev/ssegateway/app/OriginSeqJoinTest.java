package dev.ssegateway.app;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.publisher.EventPublisher;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a (re)joining origin learns where its sequence starts ({@code EventPublisher.join}, which asks every other
 * member at {@link BusAddresses#originSeq}): alone, or beside members that have no answer address (no gateway, or
 * not registered yet: "no handlers"), it starts from its own clock; a member's answer raises the start above it; a
 * member that stays in the cluster but fails to answer fails the join instead of being read as "seen nothing".
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

    // `alone` has a publisher but no answer address (no gateway): asking it gets "no handlers" at once
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
}
