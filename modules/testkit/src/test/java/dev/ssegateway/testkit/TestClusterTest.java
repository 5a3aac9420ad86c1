package dev.ssegateway.testkit;

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

/** The kit's cluster: N gateways on loopback under a unique name; an event published on one reaches the others. */
@ExtendWith(VertxExtension.class)
class TestClusterTest {

  @RegisterExtension
  final TestCluster cluster = new TestCluster();

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void anEventPublishedOnOneNodeArrivesOnTheOtherWithItsOriginsId(VertxTestContext ctx) {
    assertTrue(cluster.name().startsWith("sse-kit-"), cluster.name());
    cluster.start(2, new JsonObject())
        .compose(nodes -> nodes.get(1).stream("orders")
            .compose(stream -> nodes.get(0).publisher().publish("orders", "created", "o-1")
                .compose(id -> stream.next("created", Duration.ofSeconds(30)))))
        .onComplete(ctx.succeeding(event -> ctx.verify(() -> {
          assertEquals("o-1", event.data());
          assertTrue(event.id().contains("node-1."), event.id());
          assertEquals(2, cluster.nodes().size());
          ctx.completeNow();
        })));
  }
}
