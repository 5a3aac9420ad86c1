package dev.ssegateway.config;

import dev.ssegateway.config.Checks.Beat;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ssegateway.config.Checks.beats;
import static dev.ssegateway.config.Checks.beatsOf;
import static dev.ssegateway.config.Checks.check;
import static dev.ssegateway.config.Checks.heartbeats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live interval change reschedules every open stream, each on its own phase: with 500 streams, an
 * admin change from 1000 to 2000 ms gives every stream its next heartbeat 2000 ms after its previous
 * one, and closing them all leaves no heartbeat timer behind.
 */
@ExtendWith(VertxExtension.class)
class HeartbeatRescheduleTest {

  private static final int STREAMS = 500;

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void fiveHundredStreamsFollowAnIntervalChangeOnTheirOwnPhaseAndLeaveNoTimerBehind(Vertx vertx,
                                                                                    VertxTestContext ctx) {
    AtomicReference<TestNode> node = new AtomicReference<>();
    AtomicLong appliedAt = new AtomicLong();
    List<SseTestClient> streams = new ArrayList<>();
    vertx.runOnContext(x -> {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions(),
          new PoolOptions().setHttp1MaxSize(STREAMS + 10));
      TestNode.start(vertx, null, TestNode.heartbeat(1000))
          .compose(n -> {
            node.set(n);
            List<Future<SseTestClient>> opened = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
              opened.add(SseTestClient.open(client, n.gateway().port(), "/events?topic=t" + (i % 5)));
            }
            return Future.all(opened);
          })
          .compose(all -> {
            streams.addAll(all.list());
            // three heartbeats at 1000 ms before the change: the first ones can reach this client's loop late (it
            // was busy opening 500 streams), and the stream's grid is anchored on the least late of them
            return Future.all(streams.stream().map(s -> s.awaitType(WireNames.HEARTBEAT, 3)).toList());
          })
          .compose(v -> client.request(new RequestOptions().setMethod(HttpMethod.PUT).setHost("127.0.0.1")
                  .setPort(node.get().gateway().port()).setURI(AdminConfigHandler.PATH))
              .compose(req -> req.send(Buffer.buffer(new JsonObject().put("heartbeat_ms", 2000).encode())))
              .compose(resp -> {
                appliedAt.set(System.currentTimeMillis());
                return resp.body().compose(b -> check(() -> assertEquals(200, resp.statusCode(), b.toString())));
              }))
          .compose(v -> Future.all(streams.stream().map(s -> s.await(frames -> beatsOf(frames, 2000) >= 2)).toList()))
          .compose(v -> check(() -> {
            long worstLateness = 0;
            long worstFirst = 0;
            for (SseTestClient s : streams) {
              List<Beat> beats = beats(s);
              int first = 0;
              while (beats.get(first).heartbeatMs() != 2000) {
                first++;
              }
              assertTrue(first >= 1, "a 1000 ms heartbeat came before the change");
              long sinceApply = beats.get(first).atMs() - appliedAt.get();
              assertTrue(sinceApply <= 3200, "first new heartbeat " + sinceApply + " ms after the change");
              worstFirst = Math.max(worstFirst, sinceApply);
              Checks.assertSwitchKeepsPhase(beats, first, 1000, 2000, 500, 1200);
              for (int i = first; i < beats.size(); i++) {
                worstLateness = Math.max(worstLateness, beats.get(i).atMs() - beats.get(i - 1).atMs() - 2000);
              }
              assertFalse(s.isEnded());
              assertEquals(1, s.framesOf(WireNames.HELLO).size());
            }
            assertEquals(STREAMS, node.get().gateway().stats().heartbeatTimers());
            System.out.printf("MEASURE streams=%d worst_first_new_heartbeat_after_change_ms=%d "
                + "worst_gap_over_2000_ms=%d%n", STREAMS, worstFirst, worstLateness);
          }))
          .compose(v -> Future.all(streams.stream().map(SseTestClient::close).toList()))
          .compose(v -> Await.until(vertx, () -> node.get().gateway().stats().heartbeatTimers() == 0
                  && node.get().gateway().stats().openStreams() == 0, 20_000,
              () -> "timers and streams to drain: " + node.get().gateway().stats().toJson()))
          .onComplete(ctx.succeedingThenComplete());
    });
  }
}
