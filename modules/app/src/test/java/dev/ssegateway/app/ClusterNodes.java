package dev.ssegateway.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.publisher.GatewayRole;

/**
 * Clustered nodes in one JVM for tests, each a real {@link AppVerticle} on its own clustered Vert.x, built
 * from the shipped {@code conf/cluster.xml} with a cluster name unique to this run (loopback only,
 * TCP-IP join, multicast off). {@link #close()} shuts every instance down.
 */
final class ClusterNodes implements AutoCloseable {

  record Node(String name, Vertx vertx, AppVerticle app) {
    int port() {
      return app.gateway().port();
    }

    EventPublisher publisher() {
      return EventPublisher.of(vertx);
    }
  }

  final String clusterName = "sse-test-" + UUID.randomUUID().toString().substring(0, 8);
  final List<Node> nodes = new ArrayList<>();

  static Path clusterXml() {
    return Path.of(System.getProperty("project.root", "../.."), "conf", "cluster.xml");
  }

  /** The shipped cluster.xml with this run's cluster name. */
  Config hazelcastConfig() throws IOException {
    Properties props = new Properties();
    props.setProperty("sse.cluster.name", clusterName);
    props.setProperty("sse.cluster.members", "127.0.0.1");
    props.setProperty("sse.cluster.interface", "127.0.0.1");
    props.setProperty("sse.cluster.port", "5801");
    return new XmlConfigBuilder(clusterXml().toString()).setProperties(props).build();
  }

  /** Starts a clustered node named {@code name} running the app with {@code conf} (port 0, loopback). */
  Future<Node> start(String name, JsonObject conf) {
    return start(name, conf, java.time.Clock.systemUTC());
  }

  /** As {@link #start(String, JsonObject)}, with {@code clock} as the node's wall clock for sequences. */
  Future<Node> start(String name, JsonObject conf, java.time.Clock clock) {
    Config config;
    try {
      config = hazelcastConfig();
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    return start(name, conf, clock, new HazelcastClusterManager(config),
        new EventBusOptions().setHost("127.0.0.1").setPort(0));
  }

  /** As {@link #start(String, JsonObject, java.time.Clock)}, with the member's cluster manager and event bus given. */
  Future<Node> start(String name, JsonObject conf, java.time.Clock clock, HazelcastClusterManager manager,
                     EventBusOptions eventBus) {
    JsonObject appConf = new JsonObject()
        .put("node_id", name)
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2))
        .mergeIn(conf == null ? new JsonObject() : conf, true);
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(GatewayRole.announce(eventBus)))
        .withClusterManager(manager)
        .buildClustered()
        .compose(vertx -> {
          AppVerticle app = new AppVerticle(manager, clock);
          return vertx.deployVerticle(app, new DeploymentOptions().setConfig(appConf))
              .recover(e -> vertx.close().transform(x -> Future.<String>failedFuture(e)))
              .map(id -> {
                Node node = new Node(name, vertx, app);
                nodes.add(node);
                return node;
              });
        });
  }

  /**
   * Completes once every node's gateway has received events from every node's publisher: the event bus
   * subscriptions have spread over the whole cluster.
   */
  Future<Void> awaitMesh(Vertx driver, HttpClient client) {
    List<Future<SseTestClient>> streams = nodes.stream()
        .map(n -> SseTestClient.open(client, n.port(), "/events?topic=mesh-warmup")).toList();
    return Future.all(streams).compose(all -> {
      long timer = driver.setPeriodic(100, id -> nodes.forEach(n -> n.publisher().publish("mesh-warmup", "ping")));
      List<Future<?>> done = new ArrayList<>();
      for (SseTestClient s : all.<SseTestClient>list()) {
        done.add(s.await(frames -> !frames.isEmpty() && nodes.stream()
            .allMatch(n -> Cursor.parse(frames.get(frames.size() - 1).id()).position(n.name()) > 0)));
      }
      return Future.all(done).onComplete(x -> {
        driver.cancelTimer(timer);
        all.<SseTestClient>list().forEach(SseTestClient::close);
      }).mapEmpty();
    });
  }

  /** A bare clustered Vert.x of this run's cluster (no app), closed by {@link #close()}. */
  record Member(Vertx vertx, HazelcastClusterManager manager) {
  }

  final List<Member> members = new ArrayList<>();

  Future<Member> member() {
    return member(false);
  }

  /**
   * A bare clustered Vert.x of this run's cluster that announces a gateway in its node info ({@link GatewayRole}) when
   * {@code announcesGateway}, as a gateway node does, but runs none: the test plays its answers.
   */
  Future<Member> member(boolean announcesGateway) {
    Config config;
    try {
      config = hazelcastConfig();
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(announcesGateway
            ? GatewayRole.announce(new EventBusOptions().setHost("127.0.0.1").setPort(0))
            : new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(manager)
        .buildClustered()
        .map(vertx -> {
          Member m = new Member(vertx, manager);
          members.add(m);
          return m;
        });
  }

  /** Completes when {@code condition} holds, checked every 50 ms on {@code vertx} (the caller bounds the wait). */
  static Future<Void> until(Vertx vertx, java.util.function.BooleanSupplier condition) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    if (condition.getAsBoolean()) {
      return Future.succeededFuture();
    }
    long deadline = System.currentTimeMillis() + 60_000;
    vertx.setPeriodic(50, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail("condition not met within 60 s");
      }
    });
    return done.future();
  }

  Node node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  /** Closes one node as a crash would look to the others (its Vert.x and Hazelcast member go away). */
  Future<Void> stop(String name) {
    Node n = node(name);
    nodes.remove(n);
    return n.vertx().close();
  }

  @Override
  public void close() throws Exception {
    for (Node n : new ArrayList<>(nodes)) {
      n.vertx().close().await(30, TimeUnit.SECONDS);
    }
    nodes.clear();
    for (Member m : new ArrayList<>(members)) {
      m.vertx().close().await(30, TimeUnit.SECONDS);
    }
    members.clear();
  }
}
