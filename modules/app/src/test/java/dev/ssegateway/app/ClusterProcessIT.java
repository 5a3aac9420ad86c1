package dev.ssegateway.app;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Three gateway processes started as a user starts them ({@code java -jar sse-gateway.jar -conf nodeN.json
 * -cluster}) with the shipped conf/cluster.xml: a publish on one reaches the others, a {@code kill -9}ed
 * node does not disturb the survivors, and a restarted node rejoins. Every process is stopped at the end.
 */
class ClusterProcessIT extends ClusterProcesses {
  private GatewayProcess start(String node) throws Exception {
    return startNode(node, null);
  }

  private static long since(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static <T> T within(long ms, Supplier<Future<T>> f) throws Exception {
    return f.get().await(ms, TimeUnit.MILLISECONDS);
  }

  @Test
  void threeProcessesShareOneStreamSurviveKillNineAndRejoin() throws Exception {
    long t0 = System.nanoTime();
    GatewayProcess n1 = start("n1");
    int p1 = n1.awaitReady(120_000);
    GatewayProcess n2 = start("n2");
    GatewayProcess n3 = start("n3");
    int p2 = n2.awaitReady(120_000);
    int p3 = n3.awaitReady(120_000);
    SseTestClient probe2 = within(10_000, () -> SseTestClient.open(client, p2, "/events?topic=probe"));
    SseTestClient probe3 = within(10_000, () -> SseTestClient.open(client, p3, "/events?topic=probe"));
    awaitPath(p1, probe2, "formed-2");
    awaitPath(p1, probe3, "formed-3");
    long formedMs = since(t0);

    SseTestClient s2 = within(10_000, () -> SseTestClient.open(client, p2, "/events?topic=t"));
    SseTestClient s3 = within(10_000, () -> SseTestClient.open(client, p3, "/events?topic=t"));
    assertEquals(202, (int) within(10_000, () -> publish(p1, "t", "from-n1")));
    within(20_000, () -> Future.all(s2.awaitType("message", 1), s3.awaitType("message", 1)));

    long killedAt = System.nanoTime();
    n1.kill();
    for (int i = 1; i <= 5; i++) {
      assertEquals(202, (int) within(10_000, () -> publish(p2, "t", "after-kill")));
    }
    within(20_000, () -> s3.awaitType("message", 6));
    long survivorsDeliverMs = since(killedAt);
    long noticedMs = -1;
    long deadline = System.currentTimeMillis() + 60_000;
    while (noticedMs < 0 && System.currentTimeMillis() < deadline) {
      if (n2.output().contains("Members {size:2")) {
        noticedMs = since(killedAt);
      } else {
        Thread.onSpinWait();
        n2.awaitExitQuietly(100);
      }
    }

    long restartAt = System.nanoTime();
    GatewayProcess n1b = start("n1");
    int p1b = n1b.awaitReady(120_000);
    SseTestClient s1 = within(10_000, () -> SseTestClient.open(client, p1b, "/events?topic=probe"));
    awaitPath(p2, s1, "rejoined");
    long rejoinMs = since(restartAt);

    for (SseTestClient s : List.of(s2, s3)) {
      assertFalse(s.isEnded(), "streams on survivors stay open");
      List<String> data = s.framesOf("message").stream().map(SseFrame::data).toList();
      assertEquals("from-n1", data.get(0));
      assertEquals(List.of("after-kill", "after-kill", "after-kill", "after-kill", "after-kill"), data.subList(1, 6));
    }
    System.out.printf("cluster of 3 processes: formed and delivering in %d ms; after kill -9 of n1 the survivors"
        + " delivered within %d ms; membership change noticed after %d ms; restarted n1 rejoined and received"
        + " in %d ms%n", formedMs, survivorsDeliverMs, noticedMs, rejoinMs);
  }
}
