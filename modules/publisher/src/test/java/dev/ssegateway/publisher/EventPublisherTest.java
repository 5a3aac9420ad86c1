package dev.ssegateway.publisher;

import dev.ssegateway.core.BadEventException;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Event;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class EventPublisherTest {

  @Test
  void sequenceNumbersReachTheBusContiguousAndInOrderFromManyThreads(Vertx vertx, VertxTestContext ctx)
      throws InterruptedException {
    EventPublisher publisher = EventPublisher.install(vertx, "p1");
    int threads = 4;
    int perThread = 500;
    List<Long> seen = new ArrayList<>();
    vertx.eventBus().<JsonObject>consumer(BusAddresses.EVENTS, m -> {
      seen.add(Event.fromBus(m.body(), 1 << 20).seq());
      if (seen.size() == threads * perThread) {
        ctx.verify(() -> {
          for (int i = 1; i < seen.size(); i++) {
            assertEquals(seen.get(i - 1) + 1, seen.get(i), "contiguous at " + i);
          }
          ctx.completeNow();
        });
      }
    }).completion().toCompletionStage().toCompletableFuture().join();
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          publisher.publish("t", "x");
        }
      }).start();
    }
    go.countDown();
  }

  @Test
  void onlyTheFirstEventOfAPublisherCarriesTheHighWaterMarkItStartedAbove(Vertx vertx, VertxTestContext ctx) {
    EventPublisher publisher = EventPublisher.install(vertx, "p1");
    List<JsonObject> seen = new ArrayList<>();
    vertx.eventBus().<JsonObject>consumer(BusAddresses.EVENTS, m -> {
      seen.add(m.body());
      if (seen.size() == 3) {
        ctx.verify(() -> {
          // not clustered: no member was asked, so the mark is 0 (the first seq is above nothing but the clock)
          assertEquals(0L, seen.get(0).getLong("starts_above"), seen.get(0).encode());
          assertEquals(Event.NOT_FIRST, Event.fromBus(seen.get(1), 1 << 20).startsAbove());
          for (JsonObject later : seen.subList(1, 3)) {
            assertTrue(!later.containsKey("starts_above"), "a later event is not marked: " + later.encode());
          }
          assertEquals(seen.get(0).getLong("seq") + 1, seen.get(1).getLong("seq"));
          ctx.completeNow();
        });
      }
    }).completion().onComplete(ctx.succeeding(v -> {
      publisher.publish("t", "a");
      publisher.publishProbe("probe");
      publisher.publish("t", "c");
    }));
  }

  @Test
  void invalidEventsFailTheFutureAndNeverReachTheBus(Vertx vertx, VertxTestContext ctx) {
    EventPublisher publisher = EventPublisher.install(vertx, "p1");
    vertx.eventBus().consumer(BusAddresses.EVENTS, m -> ctx.failNow("a refused event reached the bus"));
    publisher.publish("bad topic", "x")
        .recover(e -> {
          ctx.verify(() -> {
            assertInstanceOf(BadEventException.class, e);
            assertTrue(e.getMessage().contains("bad topic"), e.getMessage());
          });
          return publisher.publish("t", "hello", "x");
        })
        .recover(e -> {
          ctx.verify(() -> assertTrue(e.getMessage().contains("reserved"), e.getMessage()));
          return publisher.publish("t", "big", "x".repeat(70_000));
        })
        .recover(e -> {
          ctx.verify(() -> assertTrue(e.getMessage().contains("limits.max_event_bytes"), e.getMessage()));
          return publisher.publish("t", "m", null);
        })
        .onComplete(ar -> {
          ctx.verify(() -> assertTrue(ar.failed() && ar.cause().getMessage().contains("null")));
          vertx.setTimer(200, id -> ctx.completeNow());
        });
  }

  @Test
  void dataWithLoneSurrogatesAndNulIsAcceptedAndPublishedNormalised(Vertx vertx, VertxTestContext ctx) {
    EventPublisher publisher = EventPublisher.install(vertx, "p1");
    vertx.eventBus().<JsonObject>consumer(BusAddresses.EVENTS, m -> ctx.verify(() -> {
      assertEquals("a\uFFFDb\uFFFDc\uFFFD\uD83D\uDE00", Event.fromBus(m.body(), 1 << 20).data());
      ctx.completeNow();
    })).completion()
        .compose(v -> publisher.publish("t", "a\uD800b\u0000c\uDC00\uD83D\uDE00"))
        .onComplete(ctx.succeeding(id -> ctx.verify(() -> assertTrue(id.startsWith("p1."), id))));
  }

  @Test
  void ofBeforeAnyInstallFailsNamingTheWayToInstallInsteadOfInventingAnOrigin(Vertx vertx) {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventPublisher.of(vertx));
    assertTrue(e.getMessage().contains("publishers") && e.getMessage().contains("EventPublisher.install"),
        e.getMessage());
    assertEquals("node-y", EventPublisher.install(vertx, "node-y").origin(), "a later install keeps its own name");
  }

  @Test
  void theOriginIsTheInstalledNodeName(Vertx vertx) {
    assertEquals("node-x", EventPublisher.install(vertx, "node-x").origin());
    assertEquals("node-x", EventPublisher.of(vertx).origin());
  }
}
