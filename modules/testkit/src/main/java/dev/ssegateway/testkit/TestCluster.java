package dev.ssegateway.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.publisher.GatewayRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * An in-JVM cluster of gateways for tests of cross-node behaviour: N nodes, each its own clustered Vert.x and
 * {@link TestGateway}, joined over loopback with the project's Hazelcast config (conf/cluster.xml: TCP-IP on
 * 127.0.0.1, no multicast, no phone-home) and a cluster name unique to this instance. Register it as a JUnit 5
 * extension; every node is shut down after each test:
 * <pre>{@code
 * @RegisterExtension
 * final TestCluster cluster = new TestCluster();
 *
 * @Test
 * void crossNode(VertxTestContext ctx) {
 *   cluster.start(2, new JsonObject()).compose(nodes -> nodes.get(1).stream("orders")
 *       .compose(stream -> nodes.get(0).publisher().publish("orders", "x").compose(id -> stream.next("message",
 *           Duration.ofSeconds(10)))))
 *       .onComplete(ctx.succeedingThenComplete());
 * }
 * }</pre>
 * {@link #start} completes once every node receives every node's events (the event bus subscriptions have spread).
 */
public final class TestCluster implements AfterEachCallback {

  private static final Duration MESH_DEADLINE = Duration.ofSeconds(60);
  private final String clusterName = "sse-kit-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<TestGateway> nodes = new ArrayList<>();
  private final List<Member> members = new ArrayList<>();

  /** A clustered Vert.x of this cluster without a gateway: where a publisher-only member's code runs in a test. */
  public record Member(Vertx vertx, HazelcastClusterManager clusterManager) {
  }

  /** This cluster's unique name. */
  public String name() {
    return clusterName;
  }

  /**
   * Starts {@code n} nodes named {@code node-1..n} (their {@code node_id}), each with {@code conf}, one after the
   * other; the future holds them in order.
   */
  public Future<List<TestGateway>> start(int n, JsonObject conf) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 1; i <= n; i++) {
      String name = "node-" + i;
      chain = chain.compose(v -> startNode(name, conf).mapEmpty());
    }
    return chain.compose(v -> awaitMesh()).map(v -> List.copyOf(nodes));
  }

  /** Starts one more node named {@code name} with {@code conf}. */
  public Future<TestGateway> startNode(String name, JsonObject conf) {
    HazelcastClusterManager manager;
    try {
      manager = new HazelcastClusterManager(hazelcastConfig());
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    JsonObject nodeConf = new JsonObject().put("node_id", name).mergeIn(conf == null ? new JsonObject() : conf, true);
    // a gateway node announces itself in its cluster node info, as the launcher's nodes do (GatewayRole)
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(GatewayRole.announce(
            new EventBusOptions().setHost("127.0.0.1").setPort(0))))
        .withClusterManager(manager)
        .buildClustered()
        .compose(vertx -> TestGateway.start(vertx, nodeConf, manager)
            .recover(e -> vertx.close().transform(x -> Future.failedFuture(e))))
        .onSuccess(nodes::add);
  }

  /**
   * Starts a member of this cluster without a gateway (shut down after the test): pass its {@code vertx} and
   * {@code clusterManager} to {@code EventPublisher.install(vertx, clusterManager, name)}.
   */
  public Future<Member> startMember() {
    HazelcastClusterManager manager;
    try {
      manager = new HazelcastClusterManager(hazelcastConfig());
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(manager)
        .buildClustered()
        .map(vertx -> {
          Member m = new Member(vertx, manager);
          members.add(m);
          return m;
        });
  }

  /** The nodes started, in order. */
  public List<TestGateway> nodes() {
    return List.copyOf(nodes);
  }

  /** The project's loopback Hazelcast config (conf/cluster.xml) with this cluster's name. */
  public Config hazelcastConfig() throws IOException {
    Properties props = new Properties();
    props.setProperty("sse.cluster.name", clusterName);
    props.setProperty("sse.cluster.members", "127.0.0.1");
    props.setProperty("sse.cluster.interface", "127.0.0.1");
    props.setProperty("sse.cluster.port", "5801");
    try (InputStream xml = TestCluster.class.getResourceAsStream("cluster.xml")) {
      if (xml == null) {
        throw new IOException("dev/ssegateway/testkit/cluster.xml is missing from the test kit");
      }
      return new XmlConfigBuilder(xml).setProperties(props).build();
    }
  }

  /** Completes once each node's stream has an event from every node (publishing until then, bounded). */
  private Future<Void> awaitMesh() {
    if (nodes.size() < 2) {
      return Future.succeededFuture();
    }
    Vertx driver = nodes.get(0).vertx();
    List<Future<TestStream>> opened = nodes.stream().map(n -> n.stream("kit-mesh")).toList();
    return Future.all(opened).compose(all -> {
      long timer = driver.setPeriodic(100, id -> nodes.forEach(n -> n.publisher().publish("kit-mesh", "ping")));
      List<Future<?>> meshed = new ArrayList<>();
      for (TestStream s : all.<TestStream>list()) {
        meshed.add(s.await(frames -> meshed(frames.get(frames.size() - 1).id()), MESH_DEADLINE,
            "events of every node (" + nodes.size() + ")"));
      }
      return Future.all(meshed).onComplete(x -> {
            driver.cancelTimer(timer);
            all.<TestStream>list().forEach(TestStream::close);
          }).mapEmpty();
    });
  }

  private boolean meshed(String id) {
    return id != null && !id.isEmpty() && nodes.stream()
        .allMatch(n -> Cursor.parse(id).position(n.origin()) > 0);
  }

  /** Shuts every node down (their Vert.x and Hazelcast members); called by JUnit after each test. */
  public void close() throws Exception {
    for (TestGateway node : new ArrayList<>(nodes)) {
      node.vertx().close().await(30, TimeUnit.SECONDS);
    }
    nodes.clear();
    for (Member m : new ArrayList<>(members)) {
      m.vertx().close().await(30, TimeUnit.SECONDS);
    }
    members.clear();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }
}
