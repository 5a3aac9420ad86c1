package dev.ssegateway.app;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The new user's mistake of issue 18: the same conf (so the same node_id) on two nodes, both started with
 * {@code -cluster} at the same moment. Exactly one serves; the other exits non-zero before serving, with one
 * line naming the name and the member that holds it; the first keeps serving and delivering.
 */
class DuplicateNodeIdIT extends ClusterProcesses {
  @Test
  void twoNodesWithTheSameNameStartedTogetherOneServesTheOtherExitsNamingTheHolder() throws Exception {
    long t0 = System.nanoTime();
    // the same conf file for both (startClusterNode writes dup.json; the second call rewrites the same content)
    processes.add(GatewayProcess.startClusterNode(dir, "dup", clusterName, null));
    processes.add(GatewayProcess.startClusterNode(dir, "dup", clusterName, null));
    GatewayProcess winner = null;
    GatewayProcess loser = null;
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      GatewayProcess a = processes.get(0);
      GatewayProcess b = processes.get(1);
      if (!a.isAlive() && b.readyPort() > 0) {
        winner = b;
        loser = a;
        break;
      }
      if (!b.isAlive() && a.readyPort() > 0) {
        winner = a;
        loser = b;
        break;
      }
      assertTrue(a.isAlive() || b.isAlive(), "both exited:\n" + a.output() + "\n---\n" + b.output());
      assertTrue(a.readyPort() < 0 || b.readyPort() < 0, "both serve:\n" + a.output() + "\n---\n" + b.output());
      a.awaitExitQuietly(50);
    }
    assertTrue(winner != null, "one serves and one exits within 120 s:\n" + processes.get(0).output()
        + "\n---\n" + processes.get(1).output());
    long decidedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    int code = loser.awaitExit(10_000);
    assertNotEquals(0, code, "exit code");
    String out = loser.output();
    assertTrue(!out.contains("event=node_ready") && !out.contains("event=gateway_started"),
        "the refused node never served:\n" + out);
    List<String> taken = out.lines().filter(l -> l.contains("event=node_id_taken")).toList();
    assertEquals(1, taken.size(), "one line names the conflict:\n" + out);
    assertEquals(1, out.lines().filter(l -> l.contains("'dup' is already held")).count(), "and only one:\n" + out);
    String winnerNode = clusterNodeId(winner.output());
    assertTrue(taken.get(0).contains("node=dup") && taken.get(0).contains("'dup'")
        && taken.get(0).contains(winnerNode), "the line names the name and the holder " + winnerNode + ": "
        + taken.get(0));

    int port = winner.readyPort();
    SseTestClient stream = SseTestClient.open(client, port, "/events?topic=t").await(10, TimeUnit.SECONDS);
    for (int n = 1; n <= 5; n++) {
      String data = "after-" + n;
      int status = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
              .setURI("/publish/t").putHeader("Content-Type", "text/plain"))
          .compose(r -> r.send(Buffer.buffer(data)))
          .map(r -> r.statusCode()).await(10, TimeUnit.SECONDS);
      assertEquals(202, status);
    }
    List<SseFrame> frames = stream.awaitType("message", 5).await(20, TimeUnit.SECONDS);
    assertEquals(List.of("after-1", "after-2", "after-3", "after-4", "after-5"),
        frames.stream().filter(f -> f.type().equals("message")).map(SseFrame::data).toList());
    assertTrue(winner.isAlive(), "the first node keeps running");
    System.out.printf("same node_id on two processes started together: decided in %d ms; refused one exited %d"
        + " with: %s%n", decidedMs, code, taken.get(0));
  }

  /** The winner's cluster node id, from its {@code event=cluster_joined} line. */
  private static String clusterNodeId(String output) {
    return output.lines().filter(l -> l.contains("event=cluster_joined")).findFirst()
        .map(l -> l.replaceAll(".*cluster_node_id=(\\S+).*", "$1")).orElseThrow();
  }
}
