package dev.ssegateway.app;

import dev.ssegateway.testsupport.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the fat-jar cluster ITs share on top of {@link GatewayProcesses}: a cluster name of their own (so concurrent
 * runs never join each other), starting a node of it, publishing to a node and waiting for the bus path between two.
 */
abstract class ClusterProcesses extends GatewayProcesses {

  final String clusterName = "sse-it-" + UUID.randomUUID().toString().substring(0, 8);

  /** Starts clustered node {@code node} with {@code conf} added to its loopback conf (null: none); stopped after. */
  GatewayProcess startNode(String node, JsonObject conf) throws Exception {
    return started(GatewayProcess.startClusterNode(dir, node, clusterName, conf));
  }

  /** POSTs {@code data} to {@code /publish/<topic>} on {@code port}; the answer's status, once its body is read. */
  Future<Integer> publish(int port, String topic, String data) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI("/publish/" + topic).putHeader("Content-Type", "text/plain"))
        .compose(r -> r.send(Buffer.buffer(data)))
        .compose(r -> r.body().map(b -> r.statusCode()));
  }

  /** Publishes probes {@code label} on {@code port} until {@code stream} has seen one: the bus path to it is up. */
  void awaitPath(int port, SseTestClient stream, String label) throws Exception {
    long timer = vertx.setPeriodic(200, id -> publish(port, "probe", label));
    try {
      stream.await(fs -> fs.stream().anyMatch(f -> label.equals(f.data()))).await(60, TimeUnit.SECONDS);
    } finally {
      vertx.cancelTimer(timer);
    }
  }
}
