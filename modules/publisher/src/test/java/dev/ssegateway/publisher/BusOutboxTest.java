package dev.ssegateway.publisher;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import dev.ssegateway.testsupport.Await;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BusOutbox}: what leaves for the bus, in which order, when Vert.x's clustered publish is broken off half-way
 * (its {@code IllegalStateException("Promise already completed")}, see the class) or fails otherwise.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BusOutboxTest {

  /** A bus that records what it took and throws, for the seqs {@code breaks} names, as often as that allows. */
  private static final class FakeBus {
    final List<Long> published = new CopyOnWriteArrayList<>();
    final Map<Long, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final List<String> wrongContext = new CopyOnWriteArrayList<>();
    private final Context sender;
    private final LongPredicate breaks;
    private final RuntimeException failure;
    private final int throwsPerEvent;

    FakeBus(Context sender, LongPredicate breaks, RuntimeException failure, int throwsPerEvent) {
      this.sender = sender;
      this.breaks = breaks;
      this.failure = failure;
      this.throwsPerEvent = throwsPerEvent;
    }

    void accept(JsonObject event) {
      long seq = event.getLong("seq");
      if (Vertx.currentContext() != sender) {
        wrongContext.add("seq " + seq + " on " + Thread.currentThread().getName());
      }
      int attempt = attempts.computeIfAbsent(seq, s -> new AtomicInteger()).incrementAndGet();
      if (breaks.test(seq) && attempt <= throwsPerEvent) {
        throw failure;
      }
      published.add(seq);
    }
  }

  private static JsonObject event(long seq) {
    return new JsonObject().put("origin", "p1").put("seq", seq);
  }

  private static void send(BusOutbox outbox, long from, long to) {
    LongStream.rangeClosed(from, to).forEach(s -> outbox.send(event(s)));
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void aPublishBrokenOffIsMadeAgainBeforeAnyLaterEvent(Vertx vertx, VertxTestContext ctx) {
    Context sender = vertx.getOrCreateContext();
    FakeBus bus = new FakeBus(sender, s -> s == 5 || s == 700,
        new IllegalStateException("Promise already completed"), 2);
    BusOutbox outbox = new BusOutbox(vertx, sender, bus::accept);
    send(outbox, 1, 1000);
    Await.until(vertx, () -> bus.published.size() == 1000 && outbox.pending() == 0, 20_000,
            () -> bus.published.size() + " of 1000 published")
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(range(1, 1000), bus.published, "every event once on the bus, in the order handed in");
          assertEquals(3, bus.attempts.get(5L).get(), "two broken-off publishes, then the one that got through");
          assertEquals(3, bus.attempts.get(700L).get());
          assertEquals(4, outbox.republished());
          assertEquals(0, outbox.givenUp());
          assertEquals(List.of(), bus.wrongContext, "the bus is only touched on the sender context");
          ctx.completeNow();
        })));
  }

  @Test
  void anEventStillBrokenOffAfterTheLastAttemptIsGivenUpAndTheRestFollow(Vertx vertx, VertxTestContext ctx) {
    Context sender = vertx.getOrCreateContext();
    FakeBus bus = new FakeBus(sender, s -> s == 3, new IllegalStateException("Result is already complete"),
        Integer.MAX_VALUE);
    BusOutbox outbox = new BusOutbox(vertx, sender, bus::accept);
    send(outbox, 1, 10);
    Await.until(vertx, () -> bus.published.size() == 9 && outbox.pending() == 0, 20_000,
            () -> bus.published.size() + " of 9 published")
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(List.of(1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), bus.published);
          assertEquals(BusOutbox.MAX_ATTEMPTS, bus.attempts.get(3L).get(), "bounded attempts");
          assertEquals(1, outbox.givenUp());
          ctx.completeNow();
        })));
  }

  @Test
  void anyOtherFailureGivesThatEventUpAtOnceAndNeverStallsTheOutbox(Vertx vertx, VertxTestContext ctx) {
    Context sender = vertx.getOrCreateContext();
    FakeBus bus = new FakeBus(sender, s -> s % 100 == 0, new IllegalArgumentException("no codec"), 1);
    BusOutbox outbox = new BusOutbox(vertx, sender, bus::accept);
    send(outbox, 1, 300);
    Await.until(vertx, () -> bus.published.size() == 297 && outbox.pending() == 0, 20_000,
            () -> bus.published.size() + " of 297 published")
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(range(1, 300).stream().filter(s -> s % 100 != 0).toList(), bus.published);
          assertEquals(1, bus.attempts.get(200L).get(), "not repeated: it is not Vert.x's broken-off publish");
          assertEquals(3, outbox.givenUp());
          assertEquals(0, outbox.republished());
          ctx.completeNow();
        })));
  }

  @Test
  void onlyVertxsDoubleCompletionCountsAsBrokenOff() {
    assertTrue(BusOutbox.brokenOff(new IllegalStateException("Promise already completed")));
    assertTrue(BusOutbox.brokenOff(new IllegalStateException("Result is already complete")));
    assertSame(false, BusOutbox.brokenOff(new IllegalStateException("Not started")));
    assertSame(false, BusOutbox.brokenOff(new RuntimeException("Promise already completed")));
  }
}
