package dev.ssegateway.app;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publisher-only member ({@code EventPublisher.install(vertx, clusterManager, name)}): refuses to start without a
 * gateway in the cluster, validates against the cluster's live {@code limits.max_event_bytes} and follows its changes.
 */
@ExtendWith(VertxExtension.class)
class PublisherOnlyMemberTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aPublisherOnlyMemberNeedsAGatewayAndValidatesAgainstTheClustersLiveEventSizeLimit(Vertx driver,
                                                                                        VertxTestContext ctx)
      throws Exception {
    ClusterNodes.Member pub = cluster.member().await(60, TimeUnit.SECONDS);
    IllegalStateException notYet = assertThrows(IllegalStateException.class, () -> EventPublisher.of(pub.vertx()));
    assertTrue(notYet.getMessage().contains("EventPublisher.install(vertx, clusterManager, name)"), notYet.getMessage());
    assertThrows(IllegalStateException.class, () -> EventPublisher.install(pub.vertx(), "orders-svc"));

    Future<EventPublisher> alone = EventPublisher.install(pub.vertx(), pub.manager(), "orders-svc");
    alone.otherwise((EventPublisher) null).await(30, TimeUnit.SECONDS);
    assertTrue(alone.failed() && alone.cause().getMessage().contains("no gateway of the cluster told its "
        + "limits.max_event_bytes"), String.valueOf(alone.cause()));
    assertThrows(IllegalStateException.class, () -> EventPublisher.of(pub.vertx()), "nothing installed on failure");

    ClusterNodes.Node gw = cluster.start("gw", new JsonObject().put("limits", new JsonObject()
        .put("max_event_bytes", 100))).await(60, TimeUnit.SECONDS);
    EventPublisher publisher = EventPublisher.install(pub.vertx(), pub.manager(), "orders-svc")
        .await(30, TimeUnit.SECONDS);
    assertEquals(publisher, EventPublisher.of(pub.vertx()));
    Future<String> big = publisher.publish("orders", "x".repeat(200));
    big.otherwise((String) null).await(10, TimeUnit.SECONDS);
    assertInstanceOf(BadEventException.class, big.cause());
    assertTrue(big.cause().getMessage().contains("limits.max_event_bytes is 100"), big.cause().getMessage());

    // an admin change on the gateway reaches the member: the same event is then accepted and delivered
    HttpClient client = driver.createHttpClient();
    int status = client.request(HttpMethod.PUT, gw.port(), "127.0.0.1", "/admin/config")
        .compose(r -> r.send(Buffer.buffer(new JsonObject().put("limits.max_event_bytes", 1000).encode())))
        .map(r -> r.statusCode()).await(30, TimeUnit.SECONDS);
    assertEquals(200, status);
    ClusterNodes.until(pub.vertx(), () -> publisher.publish("warm", "x".repeat(200)).succeeded())
        .await(60, TimeUnit.SECONDS);
    SseTestClient stream = SseTestClient.open(client, gw.port(), "/events?topic=orders").await(30, TimeUnit.SECONDS);
    stream.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    long timer = pub.vertx().setPeriodic(100, t -> publisher.publish("orders", "y".repeat(200)));
    stream.awaitType("message", 1).await(30, TimeUnit.SECONDS);
    pub.vertx().cancelTimer(timer);
    assertTrue(stream.frames().stream().anyMatch(f -> f.id() != null && f.id().contains("orders-svc.")),
        "the member's origin names its events");
    stream.close();
    publisher.release().await(30, TimeUnit.SECONDS);
    ctx.completeNow();
  }
}
