package dev.ssegateway.gateway;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.Cursor;
import dev.ssegateway.core.Event;
import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live stream never silently skips events (issue 18, point 7): when an origin's sequence jumps on this node and
 * the event after the jump is not the first of a restarted origin that started above what this node had seen, every
 * live stream gets a {@code reset} naming the origin and the last seq seen ({@code reason} {@code gap}), before that
 * event. A contiguous sequence, a restart's jump, the first event seen of an origin, a duplicate and an event
 * outside the seq window are told nothing new.
 */
@ExtendWith(VertxExtension.class)
class SeqGapTest {

  private static final int MAX_EVENT_BYTES = 64;
  private static final long NOT_FIRST = Event.NOT_FIRST;

  /** One event put on the bus: its seq, its {@code starts_above} mark ({@link #NOT_FIRST}: none), and its data. */
  private record Sent(long seq, Object startsAbove, String data) {
    static Sent at(long seq) {
      return new Sent(seq, NOT_FIRST, "e" + seq);
    }

    static Sent first(long seq, long startsAbove) {
      return new Sent(seq, startsAbove, "e" + seq);
    }

    JsonObject bus(String origin, String topic) {
      JsonObject json = new JsonObject().put("topic", topic).put("type", "message").put("data", data)
          .put("origin", origin).put("seq", seq).put("ts", System.currentTimeMillis());
      return startsAbove instanceof Long l && l == NOT_FIRST ? json : json.put("starts_above", startsAbove);
    }
  }

  /**
   * A case: the events sent, the frames (besides hello and heartbeat) a stream of their topic must see, named
   * {@code e<seq>} for an event, {@code reset>N} for a gap reset after seq N, {@code dropped} for a notice.
   */
  private record Case(String name, List<Sent> sent, List<String> seen, int duplicates) {
  }

  private static final String TOO_LARGE = "x".repeat(MAX_EVENT_BYTES + 1);

  private static final List<Case> CASES = List.of(
      new Case("contiguous", List.of(Sent.at(1), Sent.at(2), Sent.at(3)), List.of("e1", "e2", "e3"), 0),
      new Case("first seen of an origin, high", List.of(Sent.at(5000), Sent.at(5001)), List.of("e5000", "e5001"), 0),
      new Case("restart above the last seq seen", List.of(Sent.at(1), Sent.at(2), Sent.first(9000, 2),
          Sent.at(9001)), List.of("e1", "e2", "e9000", "e9001"), 0),
      new Case("restart above a seq seen on another node only", List.of(Sent.at(1), Sent.at(2), Sent.first(9000, 5),
          Sent.at(9001)), List.of("e1", "e2", "reset>2", "e9000", "e9001"), 0),
      new Case("gap", List.of(Sent.at(1), Sent.at(2), Sent.at(5), Sent.at(6)),
          List.of("e1", "e2", "reset>2", "e5", "e6"), 0),
      new Case("two gaps", List.of(Sent.at(1), Sent.at(3), Sent.at(4), Sent.at(10)),
          List.of("e1", "reset>1", "e3", "e4", "reset>4", "e10"), 0),
      new Case("a mark that is not a number is no mark", List.of(Sent.at(1), new Sent(7, "2", "e7")),
          List.of("e1", "reset>1", "e7"), 0),
      new Case("duplicate", List.of(Sent.at(1), Sent.at(2), Sent.at(2), Sent.at(1), Sent.at(3)),
          List.of("e1", "e2", "e3"), 2),
      new Case("out of window", List.of(Sent.at(1), Sent.at(Long.MAX_VALUE), Sent.at(2)),
          List.of("e1", "dropped", "e2"), 0),
      new Case("undeliverable event after a gap", List.of(Sent.at(1), new Sent(4, NOT_FIRST, TOO_LARGE), Sent.at(5)),
          List.of("e1", "reset>1", "dropped", "e5"), 0),
      new Case("undeliverable first event of a restart", List.of(Sent.at(1), new Sent(800, 1L, TOO_LARGE),
          Sent.at(801)), List.of("e1", "dropped", "e801"), 0));

  @Test
  void lostBeforeTellsLossFromARestartsJump() {
    long[][] table = {
        // last, seq, startsAbove, lost (1) or not (0)
        {0, 1, NOT_FIRST, 0}, {0, 9000, NOT_FIRST, 0}, {1, 2, NOT_FIRST, 0}, {1, 3, NOT_FIRST, 1},
        {2, 9000, 2, 0}, {2, 9000, 0, 0}, {2, 9000, 5, 1}, {2, 3, 5, 0}, {2, 9000, NOT_FIRST, 1},
    };
    for (long[] row : table) {
      assertEquals(row[3] == 1, Origins.lostBefore(row[0], row[1], row[2]),
          () -> "last=" + row[0] + " seq=" + row[1] + " startsAbove=" + row[2]);
    }
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void aLiveStreamIsToldOfEveryGapInOrderAndOfNothingElse(Vertx vertx) throws Exception {
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("limits.max_event_bytes",
        MAX_EVENT_BYTES)), "n1").await(10, TimeUnit.SECONDS);
    int n = 0;
    for (Case c : CASES) {
      String origin = "o" + n;
      String topic = "t" + n++;
      SseTestClient s = SseTestClient.open(client, g.port(), "/events?topic=" + topic).await(30, TimeUnit.SECONDS);
      s.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
      long gapsBefore = g.stats().originGaps.sum();
      long duplicatesBefore = g.stats().duplicatesIgnored.sum();
      for (Sent e : c.sent()) {
        vertx.eventBus().publish(BusAddresses.EVENTS, e.bus(origin, topic));
      }
      String last = c.seen().get(c.seen().size() - 1);
      List<SseFrame> frames = s.await(fs -> fs.stream().anyMatch(f -> f.data().equals(last)
          || f.type().equals(WireNames.DROPPED) && last.equals("dropped"))).await(30, TimeUnit.SECONDS);
      List<String> seen = new ArrayList<>();
      for (SseFrame f : frames) {
        if (f.type().equals(WireNames.RESET)) {
          JsonObject reset = new JsonObject(f.data());
          JsonArray lost = reset.getJsonArray("lost");
          assertEquals(1, lost.size(), c.name() + ": " + f.data());
          JsonObject loss = lost.getJsonObject(0);
          assertEquals(origin, loss.getString("origin"), c.name());
          assertEquals("gap", loss.getString("reason"), c.name());
          assertTrue(loss.getString("message").contains(origin), c.name());
          assertTrue(reset.containsKey("lastEventId") && reset.containsKey("message"), c.name() + ": resume shape");
          seen.add("reset>" + loss.getString("after"));
        } else if (f.type().equals(WireNames.DROPPED)) {
          seen.add("dropped");
        } else if (f.type().equals("message")) {
          seen.add(f.data());
        }
      }
      List<String> expected = c.seen().stream().map(x -> x.startsWith("reset>")
          ? "reset>" + Cursor.formatSeq(Long.parseLong(x.substring(6))) : x).toList();
      assertEquals(expected, seen, c.name());
      long resets = c.seen().stream().filter(x -> x.startsWith("reset")).count();
      assertEquals(resets, g.stats().originGaps.sum() - gapsBefore, c.name() + ": gaps counted");
      assertEquals(c.duplicates(), g.stats().duplicatesIgnored.sum() - duplicatesBefore, c.name());
      assertFalse(s.isEnded(), c.name() + ": the stream stays open");
      s.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void everyLiveStreamOfTheNodeIsToldWhateverItsTopicAndItsIdDoesNotMove(Vertx vertx) throws Exception {
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(), "n1").await(10, TimeUnit.SECONDS);
    SseTestClient onT = SseTestClient.open(client, g.port(), "/events?topic=t").await(30, TimeUnit.SECONDS);
    SseTestClient onOther = SseTestClient.open(client, g.port(), "/events?topic=other").await(30, TimeUnit.SECONDS);
    onT.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    onOther.awaitType(WireNames.HELLO, 1).await(30, TimeUnit.SECONDS);
    vertx.eventBus().publish(BusAddresses.EVENTS, Sent.at(1).bus("pub", "t"));
    vertx.eventBus().publish(BusAddresses.EVENTS, Sent.at(2).bus("pub", "other"));
    vertx.eventBus().publish(BusAddresses.EVENTS, Sent.at(9).bus("pub", "t"));
    List<SseFrame> t = onT.awaitType("message", 2).await(30, TimeUnit.SECONDS);
    List<SseFrame> other = onOther.awaitType(WireNames.RESET, 1).await(30, TimeUnit.SECONDS);
    List<SseFrame> tEvents = t.stream().filter(f -> !f.type().equals(WireNames.HEARTBEAT)).toList();
    assertEquals(List.of(WireNames.HELLO, "message", WireNames.RESET, "message"),
        tEvents.stream().map(SseFrame::type).toList());
    // the reset has no id: the id in force is still that of the event before the gap
    assertEquals(tEvents.get(1).id(), tEvents.get(2).id());
    assertEquals(9, Cursor.parse(tEvents.get(3).id()).position("pub"));
    JsonObject reset = new JsonObject(tEvents.get(2).data());
    assertEquals(Cursor.formatSeq(2), reset.getJsonArray("lost").getJsonObject(0).getString("after"));
    assertEquals(2, Cursor.parse(reset.getString("lastEventId")).position("pub"), "the node's position before the gap");
    assertEquals(List.of("e2"), onOther.framesOf("message").stream().map(SseFrame::data).toList());
    assertEquals(1, onOther.framesOf(WireNames.RESET).size(), "a stream of another topic is told too");
    assertEquals(1, onT.framesOf(WireNames.RESET).size());
    assertEquals(1, g.stats().originGaps.sum());
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aResumeInsideAGapGetsNotSeenAndAResumeAcrossARestartGetsNoReset(Vertx vertx) throws Exception {
    HttpClient client = vertx.createHttpClient();
    Gateway g = Gateway.deploy(vertx, TestSettings.of(), "n1").await(10, TimeUnit.SECONDS);
    for (Sent e : List.of(Sent.at(1), Sent.at(2), Sent.at(5))) {
      vertx.eventBus().publish(BusAddresses.EVENTS, e.bus("gapped", "t"));
    }
    for (Sent e : List.of(Sent.at(1), Sent.at(2), Sent.first(9000, 2), Sent.at(9001))) {
      vertx.eventBus().publish(BusAddresses.EVENTS, e.bus("restarted", "t"));
    }
    dev.ssegateway.testsupport.Await.until(vertx, () -> g.stats().eventsReceived.sum() == 7, 30_000,
        () -> "7 events received").await(40, TimeUnit.SECONDS);

    SseTestClient inGap = SseTestClient.open(client, g.port(), "/events?topic=t", MultiMap.caseInsensitiveMultiMap()
        .add(WireNames.LAST_EVENT_ID_HEADER, "gapped." + Cursor.formatSeq(3))).await(30, TimeUnit.SECONDS);
    List<SseFrame> gapFrames = inGap.awaitType(WireNames.RESET, 1).await(30, TimeUnit.SECONDS);
    JsonObject loss = new JsonObject(gapFrames.stream().filter(f -> f.type().equals(WireNames.RESET)).findFirst()
        .orElseThrow().data()).getJsonArray("lost").getJsonObject(0);
    assertEquals("gapped", loss.getString("origin"));
    assertEquals("not_seen", loss.getString("reason"));

    SseTestClient acrossRestart = SseTestClient.open(client, g.port(), "/events?topic=t",
        MultiMap.caseInsensitiveMultiMap().add(WireNames.LAST_EVENT_ID_HEADER, "gapped." + Cursor.formatSeq(5)
            + ",restarted." + Cursor.formatSeq(1))).await(30, TimeUnit.SECONDS);
    List<SseFrame> frames = acrossRestart.awaitType("message", 3).await(30, TimeUnit.SECONDS);
    assertEquals(List.of("e2", "e9000", "e9001"), acrossRestart.framesOf("message").stream().map(SseFrame::data)
        .toList(), "the restart's jump skipped nothing");
    assertEquals(0, SseTestClient.count(frames, WireNames.RESET), () -> "no reset: " + frames);
  }
}
