package dev.ssegateway.config;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the config tests: assertions as a step of a Future chain, heartbeat reading. */
final class Checks {

  /** One heartbeat as the client saw it: arrival time and the interval it announced. */
  record Beat(long atMs, int heartbeatMs) {
  }

  private Checks() {
  }

  /** Runs assertions as a step of a chain: a failed assertion fails the chain with its message. */
  static Future<Void> check(Runnable assertions) {
    try {
      assertions.run();
      return Future.succeededFuture();
    } catch (Throwable t) {
      return Future.failedFuture(t);
    }
  }

  /** Every heartbeat of the stream so far, in order. Call on the stream's own context. */
  static List<Beat> beats(SseTestClient s) {
    List<SseFrame> frames = s.framesOf(WireNames.HEARTBEAT);
    List<Long> at = s.arrivalsOf(WireNames.HEARTBEAT);
    List<Beat> out = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      out.add(new Beat(at.get(i), new JsonObject(frames.get(i).data()).getInteger("heartbeat_ms")));
    }
    return out;
  }

  /**
   * The heartbeats {@code beats[from..]} keep one stream's phase at {@code intervalMs}: heartbeat {@code j} is due one
   * interval after heartbeat {@code j - 1} was due (the gateway's grid), so each arrives at {@code phase + j x interval}
   * plus its lateness, which is in {@code 0..maxLateMs}. The phase is the least late arrival's. A gap between two
   * arrivals is not the measure: a heartbeat that the client's loop saw late shortens the gap to the next one, which
   * is on time.
   */
  static void assertOnGrid(List<Beat> beats, int from, int intervalMs, long maxLateMs) {
    long phase = Long.MAX_VALUE;
    for (int j = from; j < beats.size(); j++) {
      phase = Math.min(phase, beats.get(j).atMs() - (long) (j - from) * intervalMs);
    }
    for (int j = from; j < beats.size(); j++) {
      long late = beats.get(j).atMs() - (long) (j - from) * intervalMs - phase;
      if (late > maxLateMs) {
        throw new AssertionError("heartbeat " + j + " came " + late + " ms after its place on a " + intervalMs
            + " ms grid (allowed: " + maxLateMs + "); beats " + beats);
      }
    }
  }

  /**
   * An interval change from {@code oldMs} to {@code newMs} at heartbeat {@code first} kept the stream's phase: the
   * first new heartbeat is due {@code newMs} after the last old one was sent
   * (so no earlier than {@code newMs} after that one's place on the old grid, less {@code earlyMs} for how late the
   * client saw the old heartbeats it anchors that grid on; and no later than {@code newMs + maxLateMs} after the last
   * old one arrived), and the new ones are on their own grid.
   */
  static void assertSwitchKeepsPhase(List<Beat> beats, int first, int oldMs, int newMs, long earlyMs, long maxLateMs) {
    if (first < 1) {
      throw new AssertionError("no heartbeat at " + oldMs + " ms before the change; beats " + beats);
    }
    long oldPhase = Long.MAX_VALUE;
    for (int j = 0; j < first; j++) {
      oldPhase = Math.min(oldPhase, beats.get(j).atMs() - (long) j * oldMs);
    }
    long lastOldPlace = oldPhase + (long) (first - 1) * oldMs;
    long firstNew = beats.get(first).atMs();
    if (firstNew < lastOldPlace + newMs - earlyMs) {
      throw new AssertionError("the first " + newMs + " ms heartbeat came " + (firstNew - lastOldPlace)
          + " ms after the last " + oldMs + " ms one's place on its grid (expected at least " + newMs + " - "
          + earlyMs + "); beats " + beats);
    }
    long sinceLastOld = firstNew - beats.get(first - 1).atMs();
    if (sinceLastOld > newMs + maxLateMs) {
      throw new AssertionError("the first " + newMs + " ms heartbeat came " + sinceLastOld + " ms after the last "
          + oldMs + " ms one (allowed: " + (newMs + maxLateMs) + "); beats " + beats);
    }
    assertOnGrid(beats, first, newMs, maxLateMs);
  }

  static long beatsOf(List<SseFrame> frames, int heartbeatMs) {
    return frames.stream().filter(f -> f.type().equals(WireNames.HEARTBEAT))
        .filter(f -> new JsonObject(f.data()).getInteger("heartbeat_ms") == heartbeatMs).count();
  }

  static long heartbeats(List<SseFrame> frames) {
    return frames.stream().filter(f -> f.type().equals(WireNames.HEARTBEAT)).count();
  }
}
