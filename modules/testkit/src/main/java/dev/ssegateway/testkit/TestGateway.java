package dev.ssegateway.testkit;

import dev.ssegateway.app.AppVerticle;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

import java.time.Clock;

/**
 * A real gateway node in the test's JVM, on 127.0.0.1 and a random port: the same wiring as the jar (settings,
 * config verticle, HTTP ingest, the {@code publishers} key), on the {@link Vertx} of the test. Use it from a
 * JUnit 5 {@code VertxExtension} test; the extension closes that Vert.x, and with it the gateway, the deployed
 * verticles and the streams, at the end of the test:
 * <pre>{@code
 * @Test
 * void publishesOrders(Vertx vertx, VertxTestContext ctx) {
 *   TestGateway.start(vertx).compose(gw -> gw.stream("orders")
 *       .compose(stream -> gw.deploy(new OrdersPublisher(), new JsonObject().put("topic", "orders"))
 *           .compose(id -> stream.next("created", Duration.ofSeconds(10)))))
 *       .onComplete(ctx.succeeding(event -> ctx.verify(() -> {
 *         assertTrue(event.data().contains("order"));
 *         ctx.completeNow();
 *       })));
 * }
 * }</pre>
 * One gateway per Vert.x (a node's publisher and settings are per Vert.x); for several, see {@link TestCluster}.
 */
public final class TestGateway {

  private final Vertx vertx;
  private final AppVerticle app;
  private final String deploymentId;
  private final HttpClient client;

  private TestGateway(Vertx vertx, AppVerticle app, String deploymentId, HttpClient client) {
    this.vertx = vertx;
    this.app = app;
    this.deploymentId = deploymentId;
    this.client = client;
  }

  /** A gateway on the default settings (heartbeat 10 s, random node name). */
  public static Future<TestGateway> start(Vertx vertx) {
    return start(vertx, new JsonObject());
  }

  /**
   * A gateway with {@code conf} (the conf file's JSON, see docs/configuration.md) over loopback, port 0 and one HTTP
   * instance; fails as the jar would refuse to start (a bad key names it).
   */
  public static Future<TestGateway> start(Vertx vertx, JsonObject conf) {
    return start(vertx, conf, null);
  }

  static Future<TestGateway> start(Vertx vertx, JsonObject conf, ClusterManager clusterManager) {
    JsonObject appConf = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
        .mergeIn(conf == null ? new JsonObject() : conf, true);
    AppVerticle app = new AppVerticle(clusterManager, Clock.systemUTC());
    // made here, not in a callback of the deployment: a client made on a context that a deployment owns is closed
    // with that deployment. The kit's streams keep it too (SseTestClient): Vert.x 5 shuts a client down once it is
    // garbage collected, and a test may hold a stream but not this TestGateway.
    HttpClient client = vertx.createHttpClient();
    return vertx.deployVerticle(app, new DeploymentOptions().setConfig(appConf))
        .map(id -> new TestGateway(vertx, app, id, client))
        .onFailure(e -> client.close());
  }

  /** Deploys {@code verticle} with {@code config} as its {@code config()}; the future holds the deployment id. */
  public Future<String> deploy(Deployable verticle, JsonObject config) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config == null ? new JsonObject() : config));
  }

  /**
   * Opens an SSE stream on {@code topic}. The future completes only once the stream is open, its {@code hello}
   * received: an event published after that is delivered to it (one published before is not, as for any client).
   */
  public Future<TestStream> stream(String topic) {
    return open("/events?topic=" + topic, null);
  }

  /** As {@link #stream(String)}, resuming after {@code lastEventId} (null: none). */
  public Future<TestStream> stream(String topic, String lastEventId) {
    return open("/events?topic=" + topic, lastEventId);
  }

  private Future<TestStream> open(String path, String lastEventId) {
    io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    if (lastEventId != null) {
      headers.add("Last-Event-ID", lastEventId);
    }
    return SseTestClient.open(client, port(), path, headers)
        .compose(TestStream::opened);
  }

  /** The HTTP client the kit's streams are opened with (a test checks that a stream keeps it). */
  HttpClient client() {
    return client;
  }

  /** The HTTP port the gateway listens on (127.0.0.1). */
  public int port() {
    return app.gateway().port();
  }

  /** The node's publisher ({@code EventPublisher.of(vertx)}), named by the conf's {@code node_id}. */
  public EventPublisher publisher() {
    return EventPublisher.of(vertx);
  }

  /** This node's origin name, the first part of the ids of the events its verticles publish. */
  public String origin() {
    return publisher().origin();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Stops the gateway and undeploys what it deployed (the test's Vert.x close does it too). */
  public Future<Void> close() {
    return app.shutdown().compose(v -> vertx.undeploy(deploymentId)).compose(v -> client.close());
  }
}
