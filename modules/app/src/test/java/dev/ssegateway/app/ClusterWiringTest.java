package dev.ssegateway.app;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.gateway.HealthOptions;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clustered node learns its cluster from the cluster manager it was built with (passed in, not dug out of
 * Vert.x's internals): the {@code cluster} readiness check and the {@code sse.cluster.members} gauge follow the
 * membership, and a clustered gateway given no cluster manager refuses to start.
 */
@ExtendWith(VertxExtension.class)
class ClusterWiringTest {

  private final ClusterNodes cluster = new ClusterNodes();

  @AfterEach
  void shutdown() throws Exception {
    cluster.close();
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void readinessAndMembersGaugeFollowTheClusterManagerTheNodeWasGiven(VertxTestContext ctx) {
    cluster.start("wiring1", null)
        .compose(node -> cluster.member().map(m -> node))
        .compose(node -> {
          Gateway g = node.app().gateway();
          return ClusterNodes.until(node.vertx(), () -> members(g) == 2).map(v -> g);
        })
        .onComplete(ctx.succeeding(g -> ctx.verify(() -> {
          JsonObject check = g.health().ready().getJsonObject("checks").getJsonObject("cluster");
          assertTrue(check.getBoolean("ok"), check.encode());
          assertEquals("in cluster with 2 nodes", check.getString("detail"));
          assertEquals(2.0, members(g));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aClusteredGatewayWithoutItsClusterManagerRefusesToStart(VertxTestContext ctx) {
    cluster.member()
        .compose(m -> Gateway.deploy(m.vertx(), GatewaySettings.defaults(), "wiring2", List.of(), new HealthOptions()))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("HealthOptions.setClusterManager"), e.getMessage());
          ctx.completeNow();
        })));
  }

  private static double members(Gateway g) {
    Gauge gauge = g.metrics().registry().find("sse.cluster.members").gauge();
    return gauge == null ? -1 : gauge.value();
  }
}
