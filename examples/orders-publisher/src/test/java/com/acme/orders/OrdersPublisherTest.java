package com.acme.orders;

import dev.ssegateway.testkit.TestCluster;
import dev.ssegateway.testkit.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OrdersPublisher tested with the gateway's test kit, both ways it runs. */
@ExtendWith(VertxExtension.class)
class OrdersPublisherTest {

  @RegisterExtension
  final TestCluster cluster = new TestCluster();

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void insideTheGatewayItPublishesCreatedOrdersOnItsConfiguredTopic(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = new JsonObject().put("topic", "shop.orders").put("interval_ms", 50);
    TestGateway.start(vertx, new JsonObject().put("node_id", "gw1"))
        .compose(gw -> gw.stream("shop.orders")
            .compose(stream -> gw.deploy(new OrdersPublisher(), config)
                .compose(id -> stream.await("created", 2, Duration.ofSeconds(10)))))
        .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
          assertEquals(1L, new JsonObject(events.get(0).data()).getLong("order"));
          assertEquals(2L, new JsonObject(events.get(1).data()).getLong("order"));
          assertTrue(events.get(0).id().startsWith("gw1."), events.get(0).id());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void aBadIntervalFailsTheDeployment(Vertx vertx, VertxTestContext ctx) {
    TestGateway.start(vertx)
        .compose(gw -> gw.deploy(new OrdersPublisher(), new JsonObject().put("interval_ms", 1)))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertEquals("interval_ms 1 is below 10", e.getMessage());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void asAPublisherOnlyMemberItsOrdersReachTheGatewayUnderItsOwnOrigin(VertxTestContext ctx) {
    cluster.start(1, new JsonObject())
        .compose(nodes -> nodes.get(0).stream("orders")
            .compose(stream -> cluster.startMember()
                .compose(m -> OrdersApp.start(m.vertx(), m.clusterManager(),
                    new JsonObject().put("topic", "orders").put("interval_ms", 100)))
                .compose(id -> stream.next("created", Duration.ofSeconds(30)))))
        .onComplete(ctx.succeeding(event -> ctx.verify(() -> {
          assertTrue(event.id().contains("orders-svc."), event.id());
          ctx.completeNow();
        })));
  }
}
