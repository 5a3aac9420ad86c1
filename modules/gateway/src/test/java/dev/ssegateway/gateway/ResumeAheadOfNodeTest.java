package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resume position this node cannot place (far ahead of anything it has seen of an origin) is never a silent
 * gap: the client gets a {@code reset} naming the origin ({@code ahead_of_node}), its position for that origin
 * becomes the node's, and the origin's next events are delivered. A position only slightly ahead (a cluster peer's
 * lead) stays exact: see {@code ResumeTest#clientAheadOfALaggingNodeGetsNoDuplicateAndNoBackwardId}.
 */
@ExtendWith(VertxExtension.class)
class ResumeAheadOfNodeTest {

  @Test
  void placeableOnlyWithinAPeersLeadOrTheClockOfAnUnseenOrigin() {
    long now = 1_700_000_000_000L;
    assertTrue(Origins.placeable(100, true, 100, now), "at the node's position");
    assertTrue(Origins.placeable(100, true, 100 + Origins.AHEAD_TOLERANCE, now), "a peer's lead");
    assertFalse(Origins.placeable(100, true, 101 + Origins.AHEAD_TOLERANCE, now), "beyond a peer's lead");
    assertFalse(Origins.placeable(100, true, Long.MAX_VALUE, now), "far beyond");
    assertTrue(Origins.placeable(0, false, now * 1000 + 5, now), "an unseen origin at the clock");
    assertTrue(Origins.placeable(0, false, 26, now), "an unseen origin numbering from 1");
    assertFalse(Origins.placeable(0, false, now * 1000 + Origins.CLOCK_SEQ_MARGIN + 1, now),
        "an unseen origin beyond the clock");
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void positionFarAheadOfTheNodeGetsAResetAndThenTheOriginsNextEvents(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin node1 = new TestOrigin(vertx, "node1");
    String farAhead = "node1." + Cursor.formatSeq(3 + Origins.AHEAD_TOLERANCE + 1_000_000);
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> {
          for (int i = 1; i <= 3; i++) {
            node1.publish("t", "e-" + i);
          }
          return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 3, 5000, () -> "events received")
              .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t",
                  MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, farAhead)));
        })
        .compose(s -> s.awaitType(WireNames.RESET, 1).compose(f -> {
          node1.publish("t", "e-4");
          node1.publish("t", "e-5");
          return s.awaitType("message", 2);
        }))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          SseFrame hello = frames.get(0);
          assertEquals(WireNames.HELLO, hello.type());
          assertEquals("node1.3", hello.id(), "the position for the origin is the node's");
          JsonObject reset = new JsonObject(frames.get(1).data());
          assertEquals(farAhead, reset.getString("lastEventId"));
          JsonObject lost = reset.getJsonArray("lost").getJsonObject(0);
          assertEquals("node1", lost.getString("origin"));
          assertEquals(ResumePlan.AHEAD_OF_NODE, lost.getString("reason"));
          List<SseFrame> messages = frames.stream().filter(f -> f.type().equals("message")).toList();
          assertEquals(List.of("e-4", "e-5"), messages.stream().map(SseFrame::data).toList());
          assertEquals(List.of("node1.4", "node1.5"), messages.stream().map(SseFrame::id).toList());
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void unseenOriginBeyondTheClockGetsAResetAndThenItsEvents(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin ghost = new TestOrigin(vertx, "ghost");
    String beyond = "ghost." + Cursor.formatSeq(System.currentTimeMillis() * 1000 + 10 * Origins.CLOCK_SEQ_MARGIN);
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t",
            MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, beyond)))
        .compose(s -> s.awaitType(WireNames.RESET, 1).compose(f -> {
          ghost.publish("t", "g-1");
          return s.awaitType("message", 1);
        }))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals(Cursor.EMPTY_TEXT, frames.get(0).id(), "the unplaceable position is dropped");
          JsonObject lost = new JsonObject(frames.get(1).data()).getJsonArray("lost").getJsonObject(0);
          assertEquals("ghost", lost.getString("origin"));
          assertEquals(ResumePlan.AHEAD_OF_NODE, lost.getString("reason"));
          assertEquals("g-1", frames.stream().filter(f -> f.type().equals("message")).findFirst().orElseThrow().data());
          ctx.completeNow();
        })));
  }
}
