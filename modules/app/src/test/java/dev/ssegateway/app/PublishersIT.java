package dev.ssegateway.app;

import dev.ssegateway.app.publishers.FailingStartPublisher;
import dev.ssegateway.app.publishers.NotAVerticle;
import dev.ssegateway.app.publishers.TopicPublisher;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code publishers} key in the real process, started the documented classpath way
 * ({@code java -cp sse-gateway.jar:<the user's classes> dev.ssegateway.app.GatewayLauncher -conf conf.json}): a user's
 * verticle runs with its own config; an unknown class, a class that is not a verticle and a failing start each stop
 * the process with exit status 1 and one line naming the publisher and the cause.
 */
class PublishersIT extends GatewayProcesses {

  /** This module's test classes: where the example publishers of this test live (the user's jar, here). */
  private static final Path USER_CLASSES = Path.of(System.getProperty("project.root", "../.."), "modules", "app",
      "target", "test-classes");

  private Path conf(JsonArray publishers) throws Exception {
    return conf(new JsonObject().put("node_id", "pubs").put("http", loopbackHttp()).put("publishers", publishers));
  }

  private static JsonObject entry(String name, Class<?> type, JsonObject config) {
    return new JsonObject().put("name", name).put("class", type.getName()).put("config", config);
  }

  @Test
  void aUsersPublisherOnTheClasspathRunsWithItsOwnConfigOnceTheGatewayServes() throws Exception {
    Path file = conf(new JsonArray()
        .add(entry("orders", TopicPublisher.class, new JsonObject().put("topic", "orders").put("text", "order")))
        .add(entry("stock", TopicPublisher.class, new JsonObject().put("topic", "stock").put("text", "item"))
            .put("instances", 2)));
    try (GatewayProcess p = GatewayProcess.startWithClasspath(dir, USER_CLASSES, "-conf", file.toString())) {
      int port = p.awaitReady(60_000);
      SseTestClient orders = SseTestClient.open(vertx.createHttpClient(), port, "/events?topic=orders")
          .await(30, TimeUnit.SECONDS);
      orders.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
      orders.awaitType("tick", 3).await(30, TimeUnit.SECONDS);
      assertTrue(orders.framesOf("tick").stream().allMatch(f -> f.data().startsWith("order-")),
          orders.framesOf("tick").toString());
      String out = p.output();
      assertTrue(out.contains("event=publisher_deployed publisher=orders class=" + TopicPublisher.class.getName()
          + " instances=1"), out);
      assertTrue(out.contains("event=publisher_deployed publisher=stock"), out);
      assertTrue(out.indexOf("event=publisher_deployed") < out.indexOf("event=node_ready"), out);
      orders.close();
    }
  }

  private String failToStart(JsonObject entry) throws Exception {
    Path file = conf(new JsonArray().add(entry("fine", TopicPublisher.class, new JsonObject().put("topic", "a")))
        .add(entry));
    try (GatewayProcess p = GatewayProcess.startWithClasspath(dir, USER_CLASSES, "-conf", file.toString())) {
      assertEquals(1, p.awaitExit(60_000), p.output());
      assertFalse(p.isAlive());
      String out = p.output();
      assertFalse(out.contains("event=node_ready"), out);
      return out;
    }
  }

  private static void oneLine(String out, String expected) {
    List<String> lines = out.lines().filter(l -> l.startsWith("sse-gateway: ")).toList();
    assertEquals(1, lines.size(), out);
    assertTrue(lines.get(0).startsWith(expected), lines.get(0));
  }

  @Test
  void anUnknownClassStopsStartupNamingThePublisher() throws Exception {
    String out = failToStart(new JsonObject().put("name", "orders").put("class", "com.acme.NoSuchPublisher"));
    oneLine(out, "sse-gateway: publisher 'orders' (com.acme.NoSuchPublisher) class not found on the classpath");
  }

  @Test
  void aClassThatIsNotAVerticleStopsStartupNamingThePublisher() throws Exception {
    String out = failToStart(entry("orders", NotAVerticle.class, new JsonObject()));
    oneLine(out, "sse-gateway: publisher 'orders' (" + NotAVerticle.class.getName() + ") is not a verticle");
  }

  @Test
  void aPublisherWhoseStartFailsStopsStartupNamingThePublisherAndTheCause() throws Exception {
    String out = failToStart(entry("orders", FailingStartPublisher.class, new JsonObject()));
    oneLine(out, "sse-gateway: publisher 'orders' (" + FailingStartPublisher.class.getName() + ") failed to start: "
        + "java.lang.IllegalStateException: orders database unreachable");
  }
}
