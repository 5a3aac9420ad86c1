package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class ResumeTest {

  private static MultiMap lastEventId(String id) {
    return MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, id);
  }

  private static List<String> data(List<SseFrame> frames, String type) {
    return frames.stream().filter(f -> f.type().equals(type)).map(SseFrame::data).toList();
  }

  private static void publishRange(TestOrigin origin, String topic, int from, int to) {
    for (int i = from; i <= to; i++) {
      origin.publish(topic, origin.origin() + "-" + i);
    }
  }

  private static List<String> names(String origin, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(origin + "-" + i);
    }
    return out;
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void reconnectWithLastEventIdReplaysExactlyTheGapThenGoesLive(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin a = new TestOrigin(vertx, "a");
    Gateway.deploy(vertx, TestSettings.of(), "n1").compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
        .compose(s -> s.awaitType("hello", 1).map(f -> s))
        .compose(s -> {
          publishRange(a, "t", 1, 5);
          return s.awaitType("message", 5).compose(f -> s.close()).map(v -> s.lastId());
        })
        .compose(id -> {
          publishRange(a, "t", 6, 10);
          publishRange(a, "other", 1, 3);
          return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 13, 5000, () -> "events received")
              .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t", lastEventId(id)));
        })
        .compose(s -> s.awaitType("message", 5).compose(f -> {
          publishRange(a, "t", 11, 12);
          return s.awaitType("message", 7);
        })))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals("hello", frames.get(0).type());
          assertEquals(List.of("a-6", "a-7", "a-8", "a-9", "a-10", "a-11", "a-12"), data(frames, "message"));
          assertEquals(0, SseTestClient.count(frames, WireNames.RESET));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void lastEventIdQueryParameterWorksForClientsThatCannotSetHeaders(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin a = new TestOrigin(vertx, "a");
    Gateway.deploy(vertx, TestSettings.of(), "n1").compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
        .compose(s -> s.awaitType("hello", 1).compose(f -> s.close()).map(v -> s.lastId()))
        .compose(helloId -> {
          publishRange(a, "t", 1, 3);
          return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 3, 5000, () -> "events")
              .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t&lastEventId=" + helloId));
        })
        .compose(s -> s.awaitType("message", 3)))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals(names("a", 1, 3), data(frames, "message"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void interleavedOriginsResumeGapFreeAndDuplicateFreePerOrigin(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin a = new TestOrigin(vertx, "a", 1000);
    TestOrigin b = new TestOrigin(vertx, "b", 5);
    Gateway.deploy(vertx, TestSettings.of(), "n1").compose(g -> SseTestClient.open(client, g.port(),
            "/events?topic=t&topic=u")
        .compose(s -> s.awaitType("hello", 1).map(f -> s))
        .compose(s -> {
          for (int i = 1; i <= 10; i++) {
            a.publish(i % 2 == 0 ? "t" : "u", "a-" + i);
            b.publish("t", "b-" + i);
          }
          return s.awaitType("message", 20).compose(f -> s.close()).map(v -> s);
        })
        .compose(first -> {
          for (int i = 11; i <= 20; i++) {
            b.publish("t", "b-" + i);
            a.publish(i % 2 == 0 ? "t" : "u", "a-" + i);
          }
          return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 40, 5000, () -> "events")
              .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t&topic=u", lastEventId(first.lastId())))
              .compose(second -> second.awaitType("message", 20)
                  .map(f -> List.of(first.framesOf("message"), second.framesOf("message"))));
        }))
        .onComplete(ctx.succeeding(parts -> ctx.verify(() -> {
          List<String> all = new ArrayList<>();
          parts.forEach(p -> p.forEach(f -> all.add(f.data())));
          List<String> fromA = all.stream().filter(d -> d.startsWith("a-")).toList();
          List<String> fromB = all.stream().filter(d -> d.startsWith("b-")).toList();
          assertEquals(names("a", 1, 20), fromA);
          assertEquals(names("b", 1, 20), fromB);
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void positionOlderThanCountBoundedHistoryGetsAResetThenTheRetainedEvents(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin a = new TestOrigin(vertx, "a");
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_events", 5)), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
            .compose(s -> s.awaitType("hello", 1).compose(f -> s.close()).map(v -> s.lastId()))
            .compose(id -> {
              publishRange(a, "t", 1, 12);
              return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 12, 5000, () -> "events")
                  .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t", lastEventId(id)));
            })
            .compose(s -> s.awaitType("message", 5)))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals(WireNames.RESET, frames.get(1).type(), "reset comes right after hello");
          JsonObject reset = new JsonObject(frames.get(1).data());
          JsonObject lost = reset.getJsonArray("lost").getJsonObject(0);
          assertEquals("a", lost.getString("origin"));
          assertEquals("history_exceeded", lost.getString("reason"));
          assertEquals(names("a", 8, 12), data(frames, "message"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void positionOlderThanAgeBoundedHistoryGetsAReset(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    TestOrigin a = new TestOrigin(vertx, "a");
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_age_ms", 1000)), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
            .compose(s -> s.awaitType("hello", 1).compose(f -> s.close()).map(v -> s.lastId()))
            .compose(id -> {
              publishRange(a, "t", 1, 3);
              return Await.until(vertx, () -> g.stats().eventsReceived.sum() == 3
                      && g.stats().historyEvents.get() == 0, 10_000, () -> "age eviction " + g.stats().toJson())
                  .compose(v -> SseTestClient.open(client, g.port(), "/events?topic=t", lastEventId(id)));
            })
            .compose(s -> s.awaitType(WireNames.RESET, 1)))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          assertEquals("history_exceeded", new JsonObject(frames.get(1).data()).getJsonArray("lost")
              .getJsonObject(0).getString("reason"));
          assertEquals(0, SseTestClient.count(frames, "message"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void positionFromAnOriginThisNodeNeverSawGetsAReset(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t", lastEventId("ghost:1a")))
        .compose(s -> s.awaitType(WireNames.RESET, 1))
        .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
          JsonObject lost = new JsonObject(frames.get(1).data()).getJsonArray("lost").getJsonObject(0);
          assertEquals("ghost", lost.getString("origin"));
          assertEquals("unknown_origin", lost.getString("reason"));
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void clientAheadOfALaggingNodeGetsNoDuplicateAndNoBackwardId(VertxTestContext ctx) {
    Vertx nodeA = Vertx.vertx();
    Vertx nodeB = Vertx.vertx();
    HttpClient client = nodeA.createHttpClient();
    TestOrigin onA = new TestOrigin(nodeA, "p");
    TestOrigin onB = new TestOrigin(nodeB, "p");
    Future.all(Gateway.deploy(nodeA, TestSettings.of(), "A"), Gateway.deploy(nodeB, TestSettings.of(), "B"))
        .compose(gs -> {
          Gateway a = gs.resultAt(0);
          Gateway b = gs.resultAt(1);
          publishRange(onB, "t", 1, 2);
          return Await.until(nodeB, () -> b.stats().eventsReceived.sum() == 2, 5000, () -> "B events")
              .compose(v -> SseTestClient.open(client, a.port(), "/events?topic=t"))
              .compose(s -> s.awaitType("hello", 1).map(f -> s))
              .compose(s -> {
                publishRange(onA, "t", 1, 10);
                return s.awaitType("message", 10).compose(f -> s.close()).map(v -> s.lastId());
              })
              .compose(id -> SseTestClient.open(client, b.port(), "/events?topic=t", lastEventId(id))
                  .compose(s -> s.awaitType("hello", 1).map(f -> {
                    // node B now receives, late, what A had already delivered, then two new events
                    for (int i = 3; i <= 12; i++) {
                      onB.publish("t", "p-" + i);
                    }
                    return s;
                  }))
                  .compose(s -> s.awaitType("message", 2).map(f -> List.of(id, s))));
        })
        .onComplete(ctx.succeeding(pair -> ctx.verify(() -> {
          String id = (String) pair.get(0);
          SseTestClient s = (SseTestClient) pair.get(1);
          assertEquals(List.of("p-11", "p-12"), data(s.frames(), "message"));
          Cursor resumedFrom = Cursor.parse(id);
          for (SseFrame f : s.frames()) {
            assertTrue(Cursor.parse(f.id()).covers(resumedFrom), "id " + f.id() + " went behind " + id);
          }
          assertFalse(s.frames().stream().anyMatch(f -> f.type().equals(WireNames.RESET)));
          Future.all(nodeA.close(), nodeB.close()).onComplete(x -> ctx.completeNow());
        })));
  }

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void replayLiveRaceLosesAndRepeatsNothingUnderConstantPublishing(Vertx vertx, VertxTestContext ctx) {
    int clients = 100;
    long publishForMs = 10_000;
    HttpClient client = FanOutTest.client(vertx, clients);
    TestOrigin a = new TestOrigin(vertx, "a");
    Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("history.max_events", 100_000)), "n1")
        .compose(g -> {
          List<ChurningClient> all = new ArrayList<>();
          for (int i = 0; i < clients; i++) {
            all.add(new ChurningClient(vertx, client, g.port(), i));
          }
          return Future.all(all.stream().map(ChurningClient::start).toList()).map(v -> all);
        })
        .compose(all -> {
          long end = System.currentTimeMillis() + publishForMs;
          // ~1000 events/s: ten events per 10 ms tick, bounded by the deadline
          vertx.setPeriodic(10, id -> {
            if (System.currentTimeMillis() >= end) {
              vertx.cancelTimer(id);
              all.forEach(c -> c.finish(a.lastSeq()));
            } else {
              for (int i = 0; i < 10; i++) {
                a.publish("t", Long.toString(a.lastSeq() + 1));
              }
            }
          });
          return Future.all(all.stream().map(ChurningClient::done).toList()).map(v -> all);
        })
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          long total = a.lastSeq();
          long reconnects = 0;
          for (ChurningClient c : all) {
            java.util.Set<Long> seen = new java.util.HashSet<>(c.received);
            List<Long> missing = new ArrayList<>();
            for (long i = 1; i <= total && missing.size() < 10; i++) {
              if (!seen.contains(i)) {
                missing.add(i);
              }
            }
            assertEquals(total, c.received.size(), "client " + c.index + " event count; missing " + missing
                + " connections " + c.connections + " log " + c.log);
            for (int i = 0; i < c.received.size(); i++) {
              assertEquals(i + 1, c.received.get(i), "client " + c.index + " at " + i);
            }
            reconnects += c.connections;
          }
          System.out.printf("replay/live race: %d clients, %d events, %d connections, 0 lost, 0 repeated%n",
              clients, total, reconnects);
          ctx.completeNow();
        })));
  }

  /** A client that drops and resumes its stream every few dozen milliseconds, recording every event. */
  private static final class ChurningClient {
    final Vertx vertx;
    final HttpClient http;
    final int port;
    final int index;
    final List<Long> received = new ArrayList<>();
    final io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    String lastId = "";
    long expectedLast = -1;
    int connections;

    ChurningClient(Vertx vertx, HttpClient http, int port, int index) {
      this.vertx = vertx;
      this.http = http;
      this.port = port;
      this.index = index;
    }

    Future<Void> start() {
      return connect().mapEmpty();
    }

    Future<Void> done() {
      return done.future();
    }

    void finish(long last) {
      expectedLast = last;
    }

    final List<String> log = new ArrayList<>();

    private Future<SseTestClient> connect() {
      connections++;
      log.add("connect lastId=" + lastId + " received=" + received.size());
      MultiMap headers = lastId.isEmpty() ? null : lastEventId(lastId);
      return SseTestClient.open(http, port, "/events?topic=t", headers).onSuccess(s -> {
        s.await(fs -> {
          consume(s);
          return expectedLast >= 0 && !received.isEmpty() && received.get(received.size() - 1) >= expectedLast;
        }).onSuccess(f -> {
          s.close();
          done.tryComplete();
        });
        s.awaitType("hello", 1).onSuccess(f -> vertx.setTimer(20 + (index * 7L) % 60, t -> {
          if (!done.future().isComplete()) {
            consume(s);
            s.close().onComplete(v -> connect());
          }
        }));
      }).onFailure(e -> done.tryFail(e));
    }

    private int consumed;
    private SseTestClient current;

    private void consume(SseTestClient s) {
      if (s != current) {
        current = s;
        consumed = 0;
      }
      List<SseFrame> frames = s.frames();
      for (; consumed < frames.size(); consumed++) {
        SseFrame f = frames.get(consumed);
        if (f.type().equals("message")) {
          received.add(Long.parseLong(f.data()));
        }
        lastId = f.id();
      }
    }
  }
}
