package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.netty.buffer.Unpooled;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The resume core, case by case: what a client resuming from a cursor gets (the events replayed, in order, and the
 * losses its {@code reset} names) from a node's position, origins and histories. No server, no event loop: every row
 * runs in well under a millisecond. "No event lost or repeated": each row lists exactly the replay.
 */
class ResumePlanTest {

  /** The wall clock the rows run at, in ms; seqs of the rows are far below it in the publishers' numbering. */
  private static final long NOW_MS = 1_780_000_000_000L;

  /** A node's state as the fan-out keeps it, built event by event. */
  static final class Node {
    final Origins origins = new Origins();
    final Histories histories = new Histories();
    Cursor position = Cursor.EMPTY;
    long arrivals;

    /** Takes {@code origin}'s events {@code seqs} on {@code topic}, as the fan-out does (dedup included). */
    Node take(String topic, String origin, long... seqs) {
      for (long seq : seqs) {
        takeRestarted(topic, origin, seq, -1);
      }
      return this;
    }

    /** Takes the first event of an origin that restarted above {@code startsAbove}. */
    Node takeRestarted(String topic, String origin, long seq, long startsAbove) {
      if (origins.isDuplicate(origin, seq)) {
        return this;
      }
      position = position.advance(origin, seq);
      origins.took(origin, seq, startsAbove, NOW_MS);
      histories.remember(new EncodedEvent(topic, origin, seq, ++arrivals, position, "message", "x", NOW_MS, 0,
          Unpooled::wrappedBuffer), Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE);
      return this;
    }

    /** Evicts the oldest {@code n} events of {@code topic}'s history (as the byte budget would, topic by topic). */
    Node evict(String topic, int n) {
      for (int i = 0; i < n; i++) {
        histories.get(topic).evictOldest();
      }
      return this;
    }

    /** Drops the least recently used topics beyond {@code keep}, as history.max_topics does. */
    Node keepTopics(int keep) {
      histories.sweep(0, Integer.MAX_VALUE, keep, Long.MAX_VALUE);
      return this;
    }

    /** Prunes every origin whose last event arrived before now (here: all of those named). */
    Node prune(String... names) {
      for (String name : names) {
        origins.get(name).lastArrivalMs = 0;
      }
      position = origins.prune(1, position, s -> { });
      return this;
    }

    ResumePlan resume(String cursor, String... topics) {
      return ResumePlan.plan(new LinkedHashSet<>(Arrays.asList(topics)), cursor == null ? null : Cursor.parse(cursor),
          position, origins, histories, NOW_MS);
    }
  }

  /**
   * One case: the node, the client's cursor and topics, the ids replayed (in order), the losses named (each
   * {@code origin/reason/after}), and the hello position.
   */
  record Row(String name, Node node, String cursor, List<String> topics, List<String> replay, List<String> lost,
             String hello) {
  }

  private static Row row(String name, Node node, String cursor, String topics, String replay, String lost,
                         String hello) {
    return new Row(name, node, cursor, List.of(topics.split(",")), split(replay), split(lost), hello);
  }

  private static List<String> split(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split(" "));
  }

  private static Node node(Consumer<Node> setup) {
    Node n = new Node();
    setup.accept(n);
    return n;
  }

  static Stream<Row> rows() {
    long far = Origins.AHEAD_TOLERANCE + 1;
    return Stream.of(
        row("a new stream replays nothing and starts at the node's position",
            node(n -> n.take("t", "a", 1, 2, 3)), null, "t", "", "", "a.3"),
        row("a client at the node's position gets nothing",
            node(n -> n.take("t", "a", 1, 2, 3)), "a.3", "t", "", "", "a.3"),
        row("a client behind gets exactly what it missed, in order",
            node(n -> n.take("t", "a", 1, 2, 3, 4)), "a.2", "t", "a.3 a.4", "", "a.2"),
        row("only the asked topics, in arrival order across topics and origins",
            node(n -> n.take("t", "a", 1).take("u", "b", 1).take("v", "a", 2).take("t", "b", 2).take("u", "a", 3)),
            "a.0,b.0", "t,u", "a.1 b.1 b.2 a.3", "", "a.0,b.0"),
        row("the legacy origin:seq form resumes the same",
            node(n -> n.take("t", "a", 1, 2, 3)), "a:1", "t", "a.2 a.3", "", "a.1"),
        row("the empty position '-' gets every retained event, without a reset",
            node(n -> n.take("t", "a", 1, 2)), "-", "t", "a.1 a.2", "", "-"),
        row("evicted events the client missed: history_exceeded, and the rest replayed",
            node(n -> n.take("t", "a", 1, 2, 3, 4).evict("t", 2)), "a.1", "t", "a.3 a.4",
            "a/history_exceeded/1", "a.1"),
        row("evicted events the client had: no reset",
            node(n -> n.take("t", "a", 1, 2, 3, 4).evict("t", 2)), "a.2", "t", "a.3 a.4", "", "a.2"),
        row("a client that never saw an origin whose events were evicted: history_exceeded after 0",
            node(n -> n.take("t", "a", 1).take("t", "b", 1, 2).evict("t", 2)), "a.1", "t", "b.2",
            "b/history_exceeded/0", "a.1"),
        row("a dropped topic's evicted marks still count",
            node(n -> n.take("t", "a", 1, 2).take("u", "a", 3).keepTopics(1)), "a.1", "t", "",
            "a/history_exceeded/1", "a.1"),
        row("an origin the node never saw: unknown_origin",
            node(n -> n.take("t", "a", 1)), "a.1,z.5", "t", "", "z/unknown_origin/5", "a.1,z.5"),
        row("an unseen origin at 0 is no loss",
            node(n -> n.take("t", "a", 1)), "a.0,z.0", "t", "a.1", "", "a.0,z.0"),
        row("an origin seen only from later: not_seen",
            node(n -> n.take("t", "a", 5, 6)), "a.2", "t", "a.5 a.6", "a/not_seen/2", "a.2"),
        row("a client right before the first event seen is covered",
            node(n -> n.take("t", "a", 5, 6)), "a.4", "t", "a.5 a.6", "", "a.4"),
        row("a gap restarts coverage: a client from before it is told",
            node(n -> n.take("t", "a", 1, 2, 7, 8)), "a.1", "t", "a.2 a.7 a.8", "a/not_seen/1", "a.1"),
        row("a restart's jump above the high-water mark keeps coverage: no reset",
            node(n -> n.take("t", "a", 1, 2).takeRestarted("t", "a", 7, 2).take("t", "a", 8)), "a.1", "t",
            "a.2 a.7 a.8", "", "a.1"),
        row("duplicates taken twice are replayed once",
            node(n -> n.take("t", "a", 1, 2, 2, 1, 3)), "a.0", "t", "a.1 a.2 a.3", "", "a.0"),
        row("ahead within a peer's lead: no reset, the client's position kept",
            node(n -> n.take("t", "a", 1, 2)), "a.7", "t", "", "", "a.7"),
        row("ahead beyond any peer's lead: ahead_of_node, continued from the node's position",
            node(n -> n.take("t", "a", 1, 2)), Cursor.eventId("a", 2 + far), "t", "", "a/ahead_of_node/2", "a.2"),
        row("an unseen origin beyond the clock margin: ahead_of_node, dropped from the position",
            node(n -> n.take("t", "a", 1)), "a.1," + Cursor.eventId("z", NOW_MS * 1000 + Origins.CLOCK_SEQ_MARGIN + 1),
            "t", "", "z/ahead_of_node/0", "a.1"),
        row("an id issued after an origin was pruned: its evicted events are no loss",
            node(n -> n.take("t", "old", 1, 2).take("t", "a", 1).evict("t", 2).prune("old").take("t", "a", 2)),
            "a.1", "t", "a.2", "", "a.1"),
        row("an id from before the pruning: history_exceeded for the pruned origin",
            node(n -> n.take("t", "a", 1).take("u", "a", 2).take("t", "old", 1, 2).take("u", "a", 3).evict("t", 3)
                .prune("old")),
            "a.2", "t", "", "old/history_exceeded/0", "a.2"));
  }

  @TestFactory
  Stream<DynamicTest> eachCursorGetsExactlyItsMissedEventsAndTheLossesItCannotGet() {
    return rows().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
      ResumePlan plan = r.node().resume(r.cursor(), r.topics().toArray(String[]::new));
      assertEquals(r.replay(), plan.replay().stream().map(e -> Cursor.eventId(e.origin, e.seq)).toList(), "replay");
      List<String> lost = new ArrayList<>();
      if (plan.reset() != null) {
        plan.reset().getJsonArray("lost").forEach(o -> {
          JsonObject l = (JsonObject) o;
          lost.add(l.getString("origin") + "/" + l.getString("reason") + "/" + l.getString("after"));
        });
        assertEquals(Cursor.parse(r.cursor()).toString(), plan.reset().getString("lastEventId"),
            "the reset names the client's id");
      }
      assertEquals(r.lost(), lost, "lost");
      assertEquals(r.hello(), plan.position().toString(), "hello position");
    }));
  }
}
