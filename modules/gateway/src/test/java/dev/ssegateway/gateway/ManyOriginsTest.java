package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every id a node hands out is one it accepts back (issue 18, point 5): with 100 origins of the longest names,
 * the id a stream received resumes exactly once, as a header and as the browser client's query parameter; a
 * further origin beyond {@link Cursor#MAX_ORIGINS} is refused with a {@code dropped} notice instead of making
 * ids that no node would accept.
 */
@ExtendWith(VertxExtension.class)
class ManyOriginsTest {

  private static String name(int i) {
    String n = "origin-" + i + "-";
    return n + "x".repeat(Cursor.MAX_ORIGIN_LENGTH - n.length());
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void theIdOfAStreamThatSawHundredOriginsResumesExactlyOnce(Vertx vertx, VertxTestContext ctx) throws Exception {
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject()), "n1").await(10, TimeUnit.SECONDS);
    long startMicros = System.currentTimeMillis() * 1000L;
    List<TestOrigin> origins = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      origins.add(new TestOrigin(vertx, name(i), startMicros + i));
    }
    SseTestClient first = SseTestClient.open(client, g.port(), "/events?topic=t").await(10, TimeUnit.SECONDS);
    first.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);
    origins.forEach(o -> o.publish("t", o.origin() + "/1"));
    first.awaitType("message", 100).await(20, TimeUnit.SECONDS);
    String id = first.lastId();
    first.close();
    origins.forEach(o -> o.publish("t", o.origin() + "/2"));
    List<String> expected = origins.stream().map(o -> o.origin() + "/2").toList();

    MultiMap header = MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, id);
    SseTestClient byHeader = SseTestClient.open(client, g.port(), "/events?topic=t", header)
        .await(10, TimeUnit.SECONDS);
    SseTestClient byQuery = SseTestClient.open(client, g.port(), "/events?topic=t&lastEventId="
        + URLEncoder.encode(id, StandardCharsets.UTF_8)).await(10, TimeUnit.SECONDS);
    for (SseTestClient resumed : List.of(byHeader, byQuery)) {
      resumed.awaitType("message", 100).await(20, TimeUnit.SECONDS);
    }
    ctx.verify(() -> {
      assertEquals(100, Cursor.parse(id).positions().size());
      assertTrue(id.length() > 4096, "longer than the old bound: " + id.length());
      for (SseTestClient resumed : List.of(byHeader, byQuery)) {
        assertEquals(200, resumed.response().statusCode());
        assertEquals(expected, resumed.framesOf("message").stream().map(SseFrame::data).toList());
        assertEquals(0, resumed.framesOf(WireNames.RESET).size());
      }
    });
    System.out.printf("100 origins of 32 characters: the id is %d characters and resumes exactly once%n",
        id.length());

    // up to MAX_ORIGINS origins are taken; one more is refused and announced, and nothing else changes
    for (int i = 100; i < Cursor.MAX_ORIGINS; i++) {
      new TestOrigin(vertx, name(i), startMicros + i).publish("t", "fill");
    }
    new TestOrigin(vertx, name(Cursor.MAX_ORIGINS), startMicros).publish("t", "one-too-many");
    origins.get(0).publish("t", "still-delivered");
    List<SseFrame> frames = byHeader.await(fs -> fs.stream().anyMatch(f -> "still-delivered".equals(f.data())))
        .await(20, TimeUnit.SECONDS);
    ctx.verify(() -> {
      SseFrame notice = frames.stream().filter(f -> f.type().equals(WireNames.DROPPED)).findFirst().orElseThrow();
      assertEquals("too_many_origins", new JsonObject(notice.data()).getString("reason"));
      assertEquals(Map.of("too_many_origins", 1L), g.stats().droppedByReason());
      String last = byHeader.lastId();
      assertEquals(Cursor.MAX_ORIGINS, Cursor.parse(last).positions().size());
      assertTrue(last.length() <= Cursor.MAX_TEXT_LENGTH);
    });
    ctx.completeNow();
  }
}
