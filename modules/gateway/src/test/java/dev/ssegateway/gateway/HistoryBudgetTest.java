package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.DirectMemory;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * All topic histories together hold at most {@code history.max_bytes}: beyond it the oldest events, across
 * topics, are evicted first, a resumer from before them gets a {@code reset}, and new events still flow.
 */
@ExtendWith(VertxExtension.class)
class HistoryBudgetTest {

  private static final int BUDGET = 1024 * 1024;
  private static final int TOPICS = 4;
  private static final int EVENTS = 400;

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void historiesStayWithinTheByteBudgetOldestFirstAndAResumerFromBeforeGetsAReset(Vertx vertx,
                                                                                    VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin origin = new TestOrigin(vertx, "big");
    String pad = "x".repeat(20_000);
    AtomicLong directBefore = new AtomicLong();
    AtomicLong directGrowth = new AtomicLong();
    AtomicLong maxHistoryBytes = new AtomicLong();
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_bytes", BUDGET)
            .put("history.max_events", 100_000)), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t0")
            .compose(s -> s.awaitType(WireNames.HELLO, 1).compose(f -> s.close()).map(v -> s.lastId()))
            .compose(helloId -> {
              System.gc();
              directBefore.set(DirectMemory.used());
              // 400 events of 20 kB (8 MB) over 4 topics, interleaved: 8 x the budget
              for (int i = 1; i <= EVENTS; i++) {
                origin.publish("t" + (i % TOPICS), "e-" + i + "-" + pad);
              }
              vertx.setPeriodic(5, id -> maxHistoryBytes.accumulateAndGet(g.stats().historyBytes.get(), Math::max));
              return Await.until(vertx, () -> g.stats().eventsReceived.sum() == EVENTS, 20_000,
                      () -> "events received " + g.stats().toJson())
                  .compose(v -> Await.until(vertx, () -> {
                    System.gc();
                    directGrowth.set(DirectMemory.used() - directBefore.get());
                    return directGrowth.get() < 4L * BUDGET; // 8 MB were published; pooled I/O buffers move a little
                  }, 20_000, () -> "direct memory to settle: +" + (DirectMemory.used() - directBefore.get())))
                  .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t0",
                      MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, helloId)))
                  .compose(s -> s.awaitType(WireNames.HELLO, 1).compose(f -> {
                    origin.publish("t0", "after");
                    return s.await(frames -> frames.stream().anyMatch(x -> "after".equals(x.data())));
                  }))
                  .map(frames -> List.of(g, frames));
            }))
        .onComplete(ctx.succeeding(pair -> ctx.verify(() -> {
          Gateway g = (Gateway) pair.get(0);
          @SuppressWarnings("unchecked")
          List<SseFrame> frames = (List<SseFrame>) pair.get(1);
          long bytes = g.stats().historyBytes.get();
          long events = g.stats().historyEvents.get();
          System.out.printf("history budget %d bytes: %d events of 20 kB published, %d retained in %d bytes "
                  + "(peak %d); direct memory +%d bytes after GC (before any resume)%n", BUDGET, EVENTS, events, bytes,
              maxHistoryBytes.get(), directGrowth.get());
          assertTrue(bytes <= BUDGET, "history bytes " + bytes);
          assertTrue(maxHistoryBytes.get() <= BUDGET, "peak history bytes " + maxHistoryBytes.get());
          assertTrue(events < EVENTS / 4, "retained " + events);
          JsonObject reset = new JsonObject(frames.get(1).data());
          assertEquals(WireNames.RESET, frames.get(1).type());
          JsonObject lost = reset.getJsonArray("lost").getJsonObject(0);
          assertEquals("big", lost.getString("origin"));
          assertEquals("history_exceeded", lost.getString("reason"));
          List<String> replayed = frames.stream().filter(f -> f.type().equals("message"))
              .map(f -> f.data().length() > 20_000 ? f.data().substring(0, f.data().indexOf('-', 2)) : f.data())
              .toList();
          // what is left of t0 is its newest events, contiguous up to the last one published before the resume
          int newest = EVENTS - EVENTS % TOPICS;
          assertTrue(replayed.size() >= 2, "replayed " + replayed);
          assertEquals("after", replayed.get(replayed.size() - 1));
          List<String> history = replayed.subList(0, replayed.size() - 1);
          int first = newest - TOPICS * (history.size() - 1);
          assertTrue(first > TOPICS, "the oldest were evicted, first replayed e-" + first);
          for (int i = 0; i < history.size(); i++) {
            assertEquals("e-" + (first + TOPICS * i), history.get(i));
          }
          ctx.completeNow();
        })));
  }
}
