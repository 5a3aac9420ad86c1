package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a new stream gets before it goes live, computed atomically on the {@link FanOut} context:
 * its position at connect time (the {@code hello} id: the node's position for a new stream, the client's
 * own for a resumed one), the retained events it missed, a {@code reset}
 * notice when some missed events are no longer retained, and the client's own position where it is
 * ahead of this node (so no event is delivered twice and no id goes backwards).
 *
 * <p>{@link #plan} is the resume core: a pure function of the client's cursor and what the node holds (its position,
 * its {@link Origins}, its {@link TopicHistory histories}); no Vert.x runtime, no I/O, no clock of its own
 * ({@code ResumePlanTest} checks it case by case in milliseconds).
 */
record ResumePlan(Cursor position, List<EncodedEvent> replay, JsonObject reset, Cursor clientAhead) {

  /** Loss reason: the client's position is beyond anything this node can place. */
  static final String AHEAD_OF_NODE = "ahead_of_node";
  /** Loss reason told to live streams when an origin's sequence jumps without a restart: events were lost. */
  static final String GAP = "gap";
  /** Loss reason: events the client missed were evicted from the topic's history. */
  static final String HISTORY_EXCEEDED = "history_exceeded";
  /** Loss reason: the client names an origin this node has not seen since it started. */
  static final String UNKNOWN_ORIGIN = "unknown_origin";
  /** Loss reason: this node has seen the origin only from a later seq than the client's. */
  static final String NOT_SEEN = "not_seen";
  /** Loss reason: the plan could not be computed (a bug); the stream starts from the client's position. */
  static final String INTERNAL_ERROR = "internal_error";

  /**
   * The plan for a stream of {@code topics} resuming from {@code from} (null: a new stream, which starts at the
   * node's {@code position}). Replays, in arrival order, every retained event of those topics that {@code from} has
   * not covered; reports as lost (one entry per origin, in a {@code reset}) a position it cannot place (reason
   * {@link #AHEAD_OF_NODE}, replaced by the node's), an origin it has not seen ({@link #UNKNOWN_ORIGIN}) or has seen
   * only from later ({@link #NOT_SEEN}), and evicted events the client had not received ({@link #HISTORY_EXCEEDED},
   * from each topic's eviction marks, or those of dropped topics for a topic no longer kept), except for an origin
   * pruned before the client's id was issued. Where the client is ahead of the node
   * (ignoring pruned origins it has covered), {@link #clientAhead} holds its position.
   */
  static ResumePlan plan(Set<String> topics, Cursor from, Cursor position, Origins origins, Histories histories,
                         long nowMs) {
    if (from == null) {
      return new ResumePlan(position, List.of(), null, null);
    }
    List<JsonObject> lost = new ArrayList<>();
    Cursor client = from;
    for (Map.Entry<String, Long> p : from.positions().entrySet()) {
      String origin = p.getKey();
      long at = p.getValue();
      Origins.State state = origins.get(origin);
      if (!origins.placeable(origin, at, nowMs)) {
        // the client's position for this origin is replaced by the node's: its next events are delivered
        long known = state == null ? 0 : state.last;
        client = known > 0 ? client.without(origin).advance(origin, known) : client.without(origin);
        lost.add(loss(origin, known, AHEAD_OF_NODE, "position " + Cursor.formatSeq(at) + " of origin " + origin
            + " is beyond anything this gateway can place (it has seen up to " + Cursor.formatSeq(known)
            + "); the stream continues from this gateway's position for that origin"));
      } else if (state == null) {
        if (at > 0) {
          lost.add(loss(origin, at, UNKNOWN_ORIGIN,
              "this gateway has seen no event from origin " + origin + " since it started"));
        }
      } else if (at < state.coveredFrom - 1) {
        lost.add(loss(origin, at, NOT_SEEN,
            "this gateway has seen origin " + origin + " only from " + Cursor.formatSeq(state.coveredFrom)));
      }
    }
    List<EncodedEvent> replay = new ArrayList<>();
    for (String topic : topics) {
      TopicHistory history = histories.get(topic);
      Map<String, Long> marks = history == null ? histories.droppedTopicMarks() : history.evictedMarks();
      for (Map.Entry<String, Long> mark : marks.entrySet()) {
        long at = client.position(mark.getKey());
        if (at < mark.getValue() && origins.knows(mark.getKey())
            && !issuedAfterPruning(client, mark.getKey(), position, origins)
            && lost.stream().noneMatch(l -> l.getString("origin").equals(mark.getKey()))) {
          lost.add(loss(mark.getKey(), Math.max(at, 0), HISTORY_EXCEEDED,
              "events of topic " + topic + " up to " + Cursor.formatSeq(mark.getValue())
                  + " are no longer retained (history.max_events / history.max_age_ms / history.max_bytes)"));
        }
      }
      if (history != null) {
        history.collectAfter(client, replay);
      }
    }
    replay.sort(Comparator.comparingLong(e -> e.arrival));
    JsonObject reset = lost.isEmpty() ? null : resetNotice(from, lost);
    Cursor known = withoutPruned(client, position, origins);
    Cursor ahead = position.covers(known) ? null : known;
    // hello names the client's own position: if the stream breaks during the replay, the client resumes
    // from where it really is, not from the end of a replay it did not receive.
    return new ResumePlan(client, replay, reset, ahead);
  }

  /** The plan of a stream whose plan could not be computed: no replay, a {@code reset} saying why. */
  static ResumePlan failed(Cursor from, Cursor position, RuntimeException e) {
    return new ResumePlan(from == null ? position : from, List.of(), resetNotice(from, List.of(new JsonObject()
        .put("reason", INTERNAL_ERROR).put("message", e.toString()))), null);
  }

  /**
   * Whether {@code client} was issued after {@code origin} was pruned from this node's ids: it does not name the
   * origin, and for every origin it shares with the position at the pruning it is at or beyond it. Such a client
   * saw the origin's events (they were all gone from the history before the pruning), so their eviction is not a
   * loss for it. The node's own health probes advance its position every second, so an id from before the
   * origin's events does not pass.
   */
  static boolean issuedAfterPruning(Cursor client, String origin, Cursor position, Origins origins) {
    Origins.State state = origins.get(origin);
    if (state == null || state.prunedAt == null || client.position(origin) >= 0 || position.position(origin) >= 0) {
      return false;
    }
    boolean shared = false;
    for (Map.Entry<String, Long> p : state.prunedAt.positions().entrySet()) {
      long at = client.position(p.getKey());
      if (at >= 0) {
        if (at < p.getValue()) {
          return false;
        }
        shared = true;
      }
    }
    return shared;
  }

  /** {@code from} without the origins this node pruned and the client has covered: they need no rewritten ids. */
  private static Cursor withoutPruned(Cursor from, Cursor position, Origins origins) {
    Cursor known = from;
    for (Map.Entry<String, Long> p : from.positions().entrySet()) {
      Origins.State state = origins.get(p.getKey());
      if (state != null && position.position(p.getKey()) < 0 && p.getValue() <= state.last) {
        known = known.without(p.getKey());
      }
    }
    return known;
  }

  /** The {@code reset} a live stream gets when events of {@code origin} after {@code last} never reached this node. */
  static JsonObject gapNotice(Cursor position, String origin, long last, long seq) {
    return resetNotice(position, List.of(loss(origin, last, GAP, "events of origin " + origin + " after "
        + Cursor.formatSeq(last) + " never reached this gateway (the next one it got is " + Cursor.formatSeq(seq)
        + "): lost on the way, e.g. during a network split")));
  }

  private static JsonObject loss(String origin, long after, String reason, String message) {
    return new JsonObject().put("origin", origin).put("after", Cursor.formatSeq(Math.max(after, 0)))
        .put("reason", reason).put("message", message);
  }

  private static JsonObject resetNotice(Cursor from, List<JsonObject> lost) {
    return new JsonObject()
        .put("message", "events after your position may have been lost; the stream continues from here")
        .put("lastEventId", from == null ? "" : from.toString())
        .put("lost", new JsonArray(new ArrayList<>(lost)));
  }
}
