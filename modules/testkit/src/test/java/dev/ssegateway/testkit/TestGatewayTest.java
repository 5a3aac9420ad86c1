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

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
