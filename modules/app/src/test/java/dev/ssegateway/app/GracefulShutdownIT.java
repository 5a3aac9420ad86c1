package dev.ssegateway.app;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM stops a node gracefully: the server stops accepting first, every open stream ends with a
 * {@code retry:} of {@code retry_ms} plus jitter, writes drain up to {@code shutdown.drain_ms}, and the
 * process exits 0.
 */
class GracefulShutdownIT extends GatewayProcesses {

  private static final Pattern RETRY = Pattern.compile("(?m)^retry: ?(\\d+)$");

  /** Opens a stream and collects its raw text; the future completes with all of it when the stream ends. */
  private Future<String> rawStream(HttpClient client, int port, StringBuilder text) {
    Promise<String> ended = Promise.promise();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/events?topic=quiet"))
        .compose(r -> r.send()
            .onSuccess(resp -> {
              resp.handler(b -> {
                synchronized (text) {
                  text.append(b.toString(StandardCharsets.UTF_8));
                }
              });
              resp.endHandler(v -> ended.tryComplete(snapshot(text)));
              resp.exceptionHandler(e -> ended.tryComplete(snapshot(text)));
            }))
        .onFailure(ended::tryFail);
    return ended.future();
  }

  private static String snapshot(StringBuilder text) {
    synchronized (text) {
      return text.toString();
    }
  }

  @Test
  void sigtermEndsStreamsWithJitteredRetryRefusesNewStreamsAndExitsZero() throws Exception {
    int retryMs = 1000;
    int jitterMs = 2000;
    Path conf = conf(new JsonObject()
        .put("node_id", "shut")
        .put("http", loopbackHttp())
        .put("retry_ms", retryMs)
        .put("shutdown", new JsonObject().put("retry_jitter_ms", jitterMs).put("drain_ms", 10_000))
        .put("limits", new JsonObject().put("write_queue_bytes", 64 * 1024 * 1024)));
    try (GatewayProcess p = GatewayProcess.start(dir, List.of(), "-conf", conf.toString())) {
      int port = p.awaitReady(60_000);
      HttpClient client = vertx.createHttpClient();
      StringBuilder text = new StringBuilder();
      Future<String> open = rawStream(client, port, text);
      long until = System.currentTimeMillis() + 10_000;
      while (!snapshot(text).contains("event: hello") && System.currentTimeMillis() < until) {
        p.awaitExitQuietly(20);
      }
      assertTrue(snapshot(text).contains("event: hello"), "stream opened: " + snapshot(text));

      // a client that never reads, owed ~4 MiB: its final frame cannot be written, so the drain lasts drain_ms (10 s:
      // the late stream below is tried once this JVM has seen the first stream end, which a loaded machine can delay
      // by seconds, and it must still find the node draining)
      Socket stuck = new Socket();
      stuck.setReceiveBufferSize(2048);
      stuck.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      OutputStream out = stuck.getOutputStream();
      out.write("GET /events?topic=big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String payload = "\"" + "y".repeat(60_000) + "\"";
      for (int i = 0; i < 64; i++) {
        int status = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI("/publish/big").putHeader("Content-Type", "application/json"))
            .compose(r -> r.send(Buffer.buffer(payload))
                .compose(resp -> resp.body().map(b -> resp.statusCode())))
            .await(10, TimeUnit.SECONDS);
        assertEquals(202, status);
      }

      long signalled = System.currentTimeMillis();
      ProcessHandle.of(p.pid()).orElseThrow().destroy(); // SIGTERM
      String all = open.await(15, TimeUnit.SECONDS);
      long endedAfterMs = System.currentTimeMillis() - signalled;

      // a new stream during the drain is not accepted
      boolean stillRunning = ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false);
      Integer lateStatus = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
              .setPort(port).setURI("/events?topic=quiet"))
          .compose(r -> r.send())
          .map(r -> r.statusCode())
          .otherwise(e -> -1)
          .await(10, TimeUnit.SECONDS);
      int code = p.awaitExit(30_000);
      stuck.close();

      Matcher m = RETRY.matcher(all);
      int retries = 0;
      long lastRetry = -1;
      while (m.find()) {
        retries++;
        lastRetry = Long.parseLong(m.group(1));
      }
      System.out.printf("shutdown: stream ended %d ms after SIGTERM with retry: %d; a stream opened %s got %s; "
          + "exit code %d%n", endedAfterMs, lastRetry, stillRunning ? "while the node was draining" : "after exit",
          lateStatus == -1 ? "connection refused" : "status " + lateStatus, code);
      assertEquals(2, retries, "the hello's retry and a final retry: " + all);
      assertTrue(all.lastIndexOf("retry:") > all.indexOf("event: hello"), all);
      assertTrue(lastRetry >= retryMs && lastRetry <= retryMs + jitterMs, "jittered retry " + lastRetry);
      assertTrue(stillRunning, "the node was still draining the stuck client when the late stream was tried");
      assertFalse(lateStatus == 200, "a stream opened during shutdown was accepted");
      assertEquals(0, code, p.output());
    }
  }
}
