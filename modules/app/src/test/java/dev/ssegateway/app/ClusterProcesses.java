package dev.ssegateway.app;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the fat-jar cluster ITs share: a working folder, a cluster name of their own (so concurrent runs never join
 * each other), an HTTP client for the nodes, and every started process stopped at the end, even on failure.
 */
abstract class ClusterProcesses {

  @TempDir
  Path dir;
  Vertx vertx;
  HttpClient client;
  final List<GatewayProcess> processes = new ArrayList<>();
  final String clusterName = "sse-it-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void startClient() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stopProcesses() throws Exception {
    for (GatewayProcess p : processes) {
      p.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
