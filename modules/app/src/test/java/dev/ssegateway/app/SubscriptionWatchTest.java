package dev.ssegateway.app;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member whose subscription to the events address vanished from the cluster's registry (as after a Hazelcast
 * split-brain merge) subscribes again within a few seconds ({@link SubscriptionWatch}), instead of receiving no
 * event for good; its live streams are told of what it missed meanwhile with a {@code reset} ({@code gap}).
 */
@ExtendWith(VertxExtension.class)
class SubscriptionWatchTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  private static Future<List<RegistrationInfo>> registrations(HazelcastClusterManager m, String address) {
    Promise<List<RegistrationInfo>> p = Promise.promise();
    m.getRegistrations(address, p);
    return p.future();
  }

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aMemberWhoseEventSubscriptionVanishedSubscribesAgainAndTellsItsStreams(Vertx driver) throws Exception {
    HttpClient client = driver.createHttpClient();
    HazelcastClusterManager managerB = new HazelcastClusterManager(cluster.hazelcastConfig());
    cluster.start("a", null).await(60, TimeUnit.SECONDS);
    cluster.start("b", null, Clock.systemUTC(), managerB, new EventBusOptions().setHost("127.0.0.1").setPort(0))
        .await(60, TimeUnit.SECONDS);
    cluster.awaitMesh(driver, client).await(60, TimeUnit.SECONDS);
    SseTestClient onB = SseTestClient.open(client, cluster.node("b").port(), "/events?topic=t")
        .await(30, TimeUnit.SECONDS);
    onB.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    cluster.node("a").publisher().publish("t", "before").await(10, TimeUnit.SECONDS);
    onB.await(fs -> fs.stream().anyMatch(f -> f.data().equals("before"))).await(30, TimeUnit.SECONDS);

    // what the merge did: b's registration of the events address is gone from the registry, b's consumer is not
    String self = managerB.getNodeId();
    RegistrationInfo mine = registrations(managerB, BusAddresses.EVENTS).await(10, TimeUnit.SECONDS).stream()
        .filter(r -> r.nodeId().equals(self)).findFirst().orElseThrow();
    Promise<Void> removed = Promise.promise();
    managerB.removeRegistration(BusAddresses.EVENTS, mine, removed);
    removed.future().await(10, TimeUnit.SECONDS);
    long removedAt = System.currentTimeMillis();
    cluster.node("a").publisher().publish("t", "while-unsubscribed").await(10, TimeUnit.SECONDS);

    // the watch puts b's registration back within a check period (bounded wait: 15 s)
    long deadline = removedAt + SubscriptionWatch.CHECK_MS + 13_000;
    while (registrations(managerB, BusAddresses.EVENTS).await(10, TimeUnit.SECONDS).stream()
        .noneMatch(r -> r.nodeId().equals(self))) {
      assertTrue(System.currentTimeMillis() < deadline, "b's registration of the events address is back");
      Promise<Void> tick = Promise.promise();
      driver.setTimer(100, id -> tick.complete());
      tick.future().await(10, TimeUnit.SECONDS);
    }
    long back = System.currentTimeMillis() - removedAt;
    // the registry holds b's registration again; a learns it from the registry's events a moment later (its event bus
    // keeps its own view of who listens): publish until b gets one, each a new event (bounded: 30 s)
    java.util.concurrent.atomic.AtomicInteger afters = new java.util.concurrent.atomic.AtomicInteger();
    cluster.node("a").publisher().publish("t", "after-" + afters.incrementAndGet()).await(10, TimeUnit.SECONDS);
    long again = driver.setPeriodic(200, id -> cluster.node("a").publisher().publish("t",
        "after-" + afters.incrementAndGet()));
    List<dev.ssegateway.core.SseFrame> frames;
    try {
      frames = onB.await(fs -> fs.stream().anyMatch(f -> f.data().startsWith("after-"))).await(30, TimeUnit.SECONDS);
    } finally {
      driver.cancelTimer(again);
    }
    org.slf4j.LoggerFactory.getLogger(SubscriptionWatchTest.class).info("registration back after {} ms; b got {} "
        + "first, of {} published since", back, frames.stream().map(dev.ssegateway.core.SseFrame::data)
        .filter(d -> d.startsWith("after-")).findFirst().orElse("?"), afters.get());
    // whatever b missed meanwhile (the event published while it was unsubscribed, and any 'after-' event a sent before
    // it knew b again) was told before the next event it got
    int firstAfter = -1;
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).data().startsWith("after-")) {
        firstAfter = i;
        break;
      }
    }
    if (frames.stream().noneMatch(f -> f.data().equals("while-unsubscribed"))) {
      int at = firstAfter;
      assertTrue(frames.subList(0, at).stream().anyMatch(f -> f.type().equals(WireNames.RESET)),
          () -> "a reset before the first event after the gap: " + frames);
    }
    assertEquals("message", frames.get(firstAfter).type());
  }
}
