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

  static long beatsOf(List<SseFrame> frames, int heartbeatMs) {
    return frames.stream().filter(f -> f.type().equals(WireNames.HEARTBEAT))
        .filter(f -> new JsonObject(f.data()).getInteger("heartbeat_ms") == heartbeatMs).count();
  }

  static long heartbeats(List<SseFrame> frames) {
    return frames.stream().filter(f -> f.type().equals(WireNames.HEARTBEAT)).count();
  }
}
