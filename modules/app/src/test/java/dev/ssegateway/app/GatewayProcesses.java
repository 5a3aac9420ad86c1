package dev.ssegateway.app;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the fat-jar ITs share: a working folder for the conf files, a Vert.x with an HTTP client for talking to the
 * processes, and every process handed to {@link #started} stopped at the end, even on failure.
 */
abstract class GatewayProcesses {

  @TempDir
  Path dir;
  Vertx vertx;
  HttpClient client;
  final List<GatewayProcess> processes = new ArrayList<>();

  @BeforeEach
  void startClient() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions(), clientPool());
  }

  /** The pool of {@link #client}: Vert.x's default unless a test needs more connections per node. */
  PoolOptions clientPool() {
    return new PoolOptions();
  }

  @AfterEach
  void stopProcesses() throws Exception {
    for (GatewayProcess p : processes) {
      p.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** {@code p}, stopped after the test. */
  GatewayProcess started(GatewayProcess p) {
    processes.add(p);
    return p;
  }

  /** Writes {@code conf} to {@code conf.json} in the working folder. */
  Path conf(JsonObject conf) throws IOException {
    return write("conf.json", conf.encodePrettily());
  }

  /** Writes {@code text} to {@code name} in the working folder. */
  Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  /** The {@code http} block of a one-instance node on 127.0.0.1 and a random port. */
  static JsonObject loopbackHttp() {
    return new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1);
  }
}
