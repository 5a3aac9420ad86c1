package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A bad event never kills a stream: for each kind of poison a user verticle can put on
 * {@link BusAddresses#EVENTS}, 50 open streams receive the good event before it, then a {@code dropped}
 * notice in its place (when it had an id), or the event normalised, or nothing (when it had no id), then
 * the good event after it, in order; every stream stays open, the drop is counted once under its reason,
 * and no exception reaches the Vert.x exception handler.
 */
@ExtendWith(VertxExtension.class)
class PoisonEventTest {

  private static final int STREAMS = 50;
  private static final String TOPIC = "t";
  private static final String ORIGIN = "pub";
  private static final int MAX_EVENT_BYTES = 1024;

  /** What every subscriber must see between the good event before the poison and the one after it. */
  private record Expected(String reason, String noticeReason, String normalisedData) {
    static Expected nothing(String refusedReason) {
      return new Expected(refusedReason, null, null);
    }

    static Expected notice(String reason) {
      return new Expected(reason, reason, null);
    }

    static Expected normalised(String data) {
      return new Expected(null, null, data);
    }
  }

  /** A JsonObject with a valid identity (origin pub, its next seq, topic t) and a valid type and data. */
  private static JsonObject withIdentity(TestOrigin origin) {
    origin.skip(1);
    return new JsonObject().put("topic", TOPIC).put("type", "message").put("data", "x")
        .put("origin", ORIGIN).put("seq", origin.lastSeq()).put("ts", System.currentTimeMillis());
  }

  private static void publishRaw(Vertx vertx, Object body) {
    vertx.eventBus().publish(BusAddresses.EVENTS, body);
  }

  private static void survives(Vertx vertx, VertxTestContext ctx, Consumer<TestOrigin> poison, Expected expected) {
    HttpClient client = FanOutTest.client(vertx, STREAMS);
    TestOrigin origin = new TestOrigin(vertx, ORIGIN);
    List<Throwable> escaped = new CopyOnWriteArrayList<>();
    vertx.exceptionHandler(escaped::add);
    long[] poisonSeq = new long[1];
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_event_bytes", MAX_EVENT_BYTES)), "n1")
        .compose(g -> {
          List<Future<SseTestClient>> opened = new ArrayList<>();
          for (int i = 0; i < STREAMS; i++) {
            opened.add(SseTestClient.open(client, g.port(), "/events?topic=" + TOPIC)
                .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
          }
          return Future.all(opened).map(all -> {
            origin.publish(TOPIC, "before");
            poison.accept(origin);
            poisonSeq[0] = origin.lastSeq();
            origin.publish(TOPIC, "after");
            return all.<SseTestClient>list();
          }).compose(all -> Future.all(all.stream()
                  .map(s -> s.await(fs -> fs.stream().anyMatch(f -> f.data().equals("after")))).toList())
              .map(x -> {
                ctx.verify(() -> {
                  for (SseTestClient s : all) {
                    List<SseFrame> seen = s.frames().stream()
                        .filter(f -> !f.type().equals(WireNames.HELLO) && !f.type().equals(WireNames.HEARTBEAT))
                        .toList();
                    assertStreamSaw(seen, expected, poisonSeq[0]);
                    assertFalse(s.isEnded(), "stream ended");
                  }
                  GatewayStats stats = g.stats();
                  if (expected.reason() == null) {
                    assertEquals(0, stats.eventsDropped.sum(), () -> stats.toJson().encode());
                  } else {
                    assertEquals(1, stats.eventsDropped.sum(), () -> stats.toJson().encode());
                    assertEquals(Map.of(expected.reason(), 1L), stats.droppedByReason());
                    assertEquals(1L, stats.toJson().getJsonObject("events_dropped_by_reason")
                        .getLong(expected.reason()));
                  }
                  assertEquals(List.of(), escaped, "exceptions reached the Vert.x exception handler");
                });
                return all;
              }));
        })
        .onComplete(ctx.succeeding(x -> ctx.completeNow()));
  }

  private static void assertStreamSaw(List<SseFrame> seen, Expected expected, long poisonSeq) {
    assertEquals("before", seen.get(0).data(), () -> "frames: " + seen);
    assertEquals("after", seen.get(seen.size() - 1).data(), () -> "frames: " + seen);
    assertEquals("message", seen.get(seen.size() - 1).type());
    if (expected.noticeReason() != null) {
      assertEquals(3, seen.size(), () -> "frames: " + seen);
      SseFrame notice = seen.get(1);
      assertEquals(WireNames.DROPPED, notice.type());
      String id = ORIGIN + "." + Long.toString(poisonSeq, 36);
      assertEquals(id, notice.id(), "the notice carries the dropped event's id");
      JsonObject data = new JsonObject(notice.data());
      assertEquals(id, data.getString("id"));
      assertEquals(TOPIC, data.getString("topic"));
      assertEquals(expected.noticeReason(), data.getString("reason"));
      assertFalse(data.getString("message").isEmpty());
      assertEquals(4, data.size(), data::encode);
    } else if (expected.normalisedData() != null) {
      assertEquals(3, seen.size(), () -> "frames: " + seen);
      assertEquals("message", seen.get(1).type());
      assertEquals(expected.normalisedData(), seen.get(1).data());
    } else {
      assertEquals(2, seen.size(), () -> "frames: " + seen);
    }
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void nullBodyIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, null), Expected.nothing("null_body"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void stringBodyIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, "{\"topic\":\"t\",\"data\":\"x\"}"), Expected.nothing("not_an_event"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void bufferWithInvalidUtf8IsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    Buffer invalid = Buffer.buffer(new byte[] {'{', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, '}'});
    survives(vertx, ctx, o -> publishRaw(vertx, invalid), Expected.nothing("not_an_event"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void eventWithoutOriginAndSeqIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, new JsonObject().put("topic", TOPIC).put("data", "x")),
        Expected.nothing("bad_origin"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void eventWithNumericTopicIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> {
      JsonObject poison = withIdentity(o).put("topic", 42);
      o.skip(-1); // no identity was readable, so no seq was consumed
      publishRaw(vertx, poison);
    }, Expected.nothing("bad_topic"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void eventWithSeqBeyondLongIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> {
      JsonObject poison = withIdentity(o).put("seq", 1e30);
      o.skip(-1);
      publishRaw(vertx, poison);
    }, Expected.nothing("bad_seq"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void nestedObjectAsDataBecomesADroppedNotice(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("data", new JsonObject().put("a", 1))),
        Expected.notice("bad_data"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void dataOverTheMaximumSizeBecomesADroppedNotice(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("data", "x".repeat(MAX_EVENT_BYTES + 1))),
        Expected.notice("too_large"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void typeWithLineBreaksBecomesADroppedNotice(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("type", "evil\r\ndata: smuggled")),
        Expected.notice("bad_type"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void reservedTypeBecomesADroppedNotice(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("type", WireNames.HELLO)),
        Expected.notice("bad_type"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void notANumberAsDataBecomesADroppedNotice(Vertx vertx, VertxTestContext ctx) {
    // NaN is a value JSON cannot represent; the local bus carries it (a clustered one would encode it as "NaN")
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("data", Double.NaN)),
        Expected.notice("bad_data"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void loneSurrogatesAndNulInDataAreDeliveredAsReplacementCharacters(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> publishRaw(vertx, withIdentity(o).put("data", "a\uD800b\u0000c\uDC00d")),
        Expected.normalised("a\uFFFDb\uFFFDc\uFFFDd"));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void jsonObjectHoldingAJavaObjectFailsAtSendAndNeverReachesTheGateway(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> ctx.verify(() -> {
      JsonObject poison = withIdentity(o).put("data", new Object());
      o.skip(-1);
      assertThrows(IllegalStateException.class, () -> publishRaw(vertx, poison));
    }), Expected.nothing(null));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void pojoWithoutCodecFailsAtSendAndNeverReachesTheGateway(Vertx vertx, VertxTestContext ctx) {
    survives(vertx, ctx, o -> ctx.verify(() ->
        assertThrows(IllegalArgumentException.class, () -> publishRaw(vertx, new Pojo()))), Expected.nothing(null));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void pojoWithALocalCodecIsRefusedAndEveryStreamGetsTheNextEvent(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().registerDefaultCodec(Pojo.class, new PojoCodec());
    survives(vertx, ctx, o -> publishRaw(vertx, new Pojo()), Expected.nothing("not_an_event"));
  }

  /** A user's object on the bus. */
  static final class Pojo {
  }

  /** A local-only codec, as a user verticle might register to pass its own objects around. */
  static final class PojoCodec implements MessageCodec<Pojo, Pojo> {
    @Override
    public void encodeToWire(Buffer buffer, Pojo pojo) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public Pojo decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public Pojo transform(Pojo pojo) {
      return pojo;
    }

    @Override
    public String name() {
      return "test-pojo";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
