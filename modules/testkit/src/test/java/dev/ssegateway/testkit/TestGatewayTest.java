package dev.ssegateway.testkit;

import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit as a user's test uses it: a gateway, the verticle under test, a stream, events awaited with a deadline. */
@ExtendWith(VertxExtension.class)
class TestGatewayTest {

  /** Publishes one {@code created} event on its configured topic as soon as it starts. */
  public static final class OnePublisher extends VerticleBase {
    @Override
    public Future<?> start() {
      return EventPublisher.of(vertx).publish(config().getString("topic"), "created", "{\"order\":1}");
    }
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anEventPublishedOnceTheStreamIsOpenArrivesWithTypeDataAndTheNodesId(Vertx vertx, VertxTestContext ctx) {
    TestGateway.start(vertx, new JsonObject().put("node_id", "kit-node").put("heartbeat_ms", 1000))
        .compose(gw -> gw.stream("orders")
            .compose(stream -> gw.deploy(new OnePublisher(), new JsonObject().put("topic", "orders"))
                .compose(id -> stream.next("created", Duration.ofSeconds(10)))))
        .onComplete(ctx.succeeding(event -> ctx.verify(() -> {
          assertEquals("created", event.type());
          assertEquals("{\"order\":1}", event.data());
          assertTrue(event.id().startsWith("kit-node."), event.id());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anEventThatNeverComesFailsAtTheDeadlineNamingWhatWasAwaited(Vertx vertx, VertxTestContext ctx) {
    TestGateway.start(vertx)
        .compose(gw -> gw.stream("quiet"))
        .compose(stream -> stream.next("created", Duration.ofMillis(300)))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertInstanceOf(AssertionError.class, e, () -> "failed with " + e + " caused by " + e.getCause());
          assertTrue(e.getMessage().startsWith("no event 1 of type 'created' within 300 ms; received: [SseFrame[type=hello"),
              e.getMessage());
          ctx.completeNow();
        })));
  }

  /** A stream being opened, weak references to the gateway and to the kit's HTTP client that opens it. */
  private record Opening(io.vertx.core.Future<TestStream> stream, WeakReference<TestGateway> gateway,
                         WeakReference<io.vertx.core.http.HttpClient> client) {
  }

  /** Starts a gateway and opens a stream on {@code topic}; the caller gets no strong reference to the gateway. */
  private static Opening openAndForgetTheGateway(Vertx vertx, String topic) throws Exception {
    TestGateway gw = TestGateway.start(vertx).await(20, TimeUnit.SECONDS);
    return new Opening(gw.stream(topic), new WeakReference<>(gw), new WeakReference<>(gw.client()));
  }

  /** Runs the garbage collector until {@code ref} is cleared (at most 20 times); returns whether it was. */
  private static boolean collected(Vertx vertx, WeakReference<?> ref) {
    for (int i = 0; i < 20 && ref.get() != null; i++) {
      System.gc();
      // a turn of the event loops between collections: the Cleaner and the stream go on meanwhile
      vertx.timer(20, TimeUnit.MILLISECONDS).await();
    }
    return ref.get() == null;
  }

  /**
   * Vert.x 5 shuts an HTTP client down once the client object is garbage collected (eclipse-vertx/vert.x#5577): a
   * test that keeps a stream but not its TestGateway saw "Pool closed" (or "Connection was closed") when a GC came
   * while the stream was being opened, in 4 of 15 openings with a GC forced during each. A stream keeps the client.
   */
  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aStreamOpensAndDeliversWhenTheTestHoldsOnlyTheStreamThroughAGarbageCollection(Vertx vertx) throws Exception {
    Opening opening = openAndForgetTheGateway(vertx, "orders");
    assertTrue(collected(vertx, opening.gateway()),
        "the TestGateway was not garbage collected: the test proves nothing");
    assertNotNull(opening.client().get(),
        "the kit's HTTP client was garbage collected while a stream it opens was in use: Vert.x shuts it down");
    TestStream stream = opening.stream().await(20, TimeUnit.SECONDS);
    assertTrue(collected(vertx, new WeakReference<>(new Object())), "no garbage collection ran");
    assertNotNull(opening.client().get(), "the kit's HTTP client was garbage collected while its stream was open");
    EventPublisher.of(vertx).publish("orders", "created", "{\"order\":2}").await(20, TimeUnit.SECONDS);
    assertEquals("{\"order\":2}", stream.next("created", Duration.ofSeconds(20)).await(30, TimeUnit.SECONDS).data());
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void theKitRefusesABadConfLikeTheJar(Vertx vertx, VertxTestContext ctx) {
    TestGateway.start(vertx, new JsonObject().put("heartbeat_ms", 5))
        .onComplete(ctx.failing(e -> ctx.verify(() -> {
          assertTrue(e.getMessage().contains("heartbeat_ms: 5 is out of range"), e.getMessage());
          ctx.completeNow();
        })));
  }
}
