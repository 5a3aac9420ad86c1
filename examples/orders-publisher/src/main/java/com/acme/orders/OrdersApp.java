package com.acme.orders;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.FileNotFoundException;

/**
 * {@link OrdersPublisher} in your own application: a publisher-only member of the gateways' cluster (no gateway
 * here). Run with the gateways' Hazelcast config (the same cluster.xml and cluster name):
 * <pre>
 * java -Dsse.cluster.name=sse-gateway -Dsse.cluster.members=127.0.0.1 -Dsse.cluster.interface=127.0.0.1 \
 *      -Dsse.cluster.port=5801 -Dhazelcast.phone.home.enabled=false \
 *      -cp orders-publisher.jar:&lt;its dependencies&gt; com.acme.orders.OrdersApp conf/cluster.xml
 * </pre>
 */
public final class OrdersApp {

  private OrdersApp() {
  }

  /**
   * Installs this member's publisher as origin {@code orders-svc} (claimed cluster-wide; it never reuses an id after a
   * restart; it needs a gateway of the cluster up) and deploys the publisher with {@code config}.
   */
  public static Future<String> start(Vertx vertx, HazelcastClusterManager clusterManager, JsonObject config) {
    return EventPublisher.install(vertx, clusterManager, "orders-svc")
        .compose(publisher -> vertx.deployVerticle(new OrdersPublisher(), new DeploymentOptions().setConfig(config)));
  }

  public static void main(String[] args) throws FileNotFoundException {
    Config hazelcast = new FileSystemXmlConfig(args.length > 0 ? args[0] : "conf/cluster.xml");
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcast);
    Vertx.builder().withClusterManager(clusterManager).buildClustered()
        .compose(vertx -> start(vertx, clusterManager, new JsonObject().put("topic", "orders").put("interval_ms", 1000))
            .onSuccess(id -> Runtime.getRuntime().addShutdownHook(new Thread(() ->
                EventPublisher.of(vertx).release().eventually(vertx::close)))))
        .onSuccess(id -> System.out.println("orders-svc publishing on topic orders"))
        .onFailure(e -> {
          System.err.println("orders-svc: " + e.getMessage());
          System.exit(1);
        });
  }
}
