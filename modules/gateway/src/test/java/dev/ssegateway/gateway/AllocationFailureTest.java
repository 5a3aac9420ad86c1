package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An event whose memory cannot be allocated (direct memory exhausted: {@link OutOfMemoryError}) is a
 * {@code dropped} notice with its id and reason {@code out_of_memory}, counted; the node keeps serving.
 * The failure is injected through the allocator the fan-out is built with (the seam every event's off-heap
 * frame goes through), with the same error the JDK throws, so the hot path carries no test hook and the
 * test needs no forked JVM.
 */
@ExtendWith(VertxExtension.class)
class AllocationFailureTest {

  /** Fails, as an exhausted direct memory does, for every frame that contains "boom". */
  static final Function<byte[], ByteBuf> FAILING = bytes -> {
    if (new String(bytes, StandardCharsets.UTF_8).contains("boom")) {
      throw new OutOfMemoryError("Cannot reserve " + bytes.length + " bytes of direct buffer memory (allocated: "
          + "268435456, limit: 268435456)");
    }
    return SharedChunk.of(bytes);
  };

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anEventThatCannotBeAllocatedBecomesADroppedNoticeAndTheNodeKeepsServing(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin origin = new TestOrigin(vertx, "p");
    Gateway[] gateway = new Gateway[1];
    Gateway.deploy(vertx, TestSettings.of(), "n1", List.of(), HealthTest.fastProbes(vertx, "n1"),
        Seams.NONE.withChunks(FAILING))
        .compose(g -> {
          gateway[0] = g;
          return SseTestClient.open(client, g.port(), "/events?topic=t");
        })
        .compose(s -> s.awaitType(WireNames.HELLO, 1).compose(f -> {
          origin.publish("t", "before");
          origin.publish("t", "boom");
          origin.publish("t", "after");
          return s.await(frames -> frames.stream().anyMatch(x -> "after".equals(x.data())));
        }))
        .compose(frames -> Http.poll(vertx, client, gateway[0].port(), "/health/live", a -> a.status() == 200, 10_000)
            .map(live -> frames))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          List<SseFrame> events = frames.stream().filter(f -> !f.type().equals(WireNames.HELLO)
              && !f.type().equals(WireNames.HEARTBEAT)).toList();
          assertEquals(List.of("message", WireNames.DROPPED, "message"), events.stream().map(SseFrame::type).toList());
          assertEquals("before", events.get(0).data());
          assertEquals("after", events.get(2).data());
          JsonObject notice = new JsonObject(events.get(1).data());
          assertEquals("p.2", notice.getString("id"));
          assertEquals(2, Cursor.parse(events.get(1).id()).position("p"), "the notice has the event's id");
          assertEquals(FanOut.OUT_OF_MEMORY, notice.getString("reason"));
          assertEquals(1, gateway[0].stats().droppedFor(FanOut.OUT_OF_MEMORY));
          ctx.completeNow();
        })));
  }
}
