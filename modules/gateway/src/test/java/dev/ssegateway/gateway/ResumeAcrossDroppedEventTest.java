package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
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

/**
 * A client that resumes across the id of an event that could not be delivered gets the same
 * {@code dropped} notice live subscribers got, in its place and with its id, never a gap or a reset.
 */
@ExtendWith(VertxExtension.class)
class ResumeAcrossDroppedEventTest {

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void resumingAcrossADroppedIdReplaysTheNoticeNotAGap(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin origin = new TestOrigin(vertx, "pub");
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_event_bytes", 64)), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
            .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s))
            .compose(s -> {
              origin.publish("t", "before");
              return s.awaitType("message", 1).compose(f -> s.close()).map(v -> s.lastId());
            })
            .compose(id -> {
              origin.skip(1);
              vertx.eventBus().publish(BusAddresses.EVENTS, new JsonObject().put("topic", "t").put("type", "message")
                  .put("data", "x".repeat(65)).put("origin", "pub").put("seq", origin.lastSeq()).put("ts", 0L));
              origin.publish("t", "after");
              return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 3, 5000, () -> "3 events received")
                  .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t",
                      MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, id)));
            })
            .compose(s -> s.awaitType("message", 1)))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          List<String> types = frames.stream().map(SseFrame::type).toList();
          assertEquals(List.of(WireNames.HELLO, WireNames.DROPPED, "message"), types);
          SseFrame notice = frames.get(1);
          assertEquals("pub.2", notice.id());
          JsonObject data = new JsonObject(notice.data());
          assertEquals("pub.2", data.getString("id"));
          assertEquals("t", data.getString("topic"));
          assertEquals("too_large", data.getString("reason"));
          assertEquals("after", frames.get(2).data());
          assertEquals("pub.3", frames.get(2).id());
          ctx.completeNow();
        })));
  }
}
