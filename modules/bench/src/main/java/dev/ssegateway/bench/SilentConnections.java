package dev.ssegateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Connections that never complete a request, against a running server: opens {@code count} connections (each
 * sending half a request line with {@code --slowloris true}, nothing otherwise), then once a second prints how many
 * the server has closed, the server's open file descriptors ({@code /proc/PID/fd}) and how long
 * {@code GET /health/live} takes, until every connection is closed or {@code --hold} seconds have passed.
 *
 * <pre>silent --port P --pid PID --count N [--slowloris true] [--hold S]</pre>
 */
final class SilentConnections {

  private SilentConnections() {
  }

  static void run(Vertx vertx, int port, long pid, int count, boolean slowloris, int holdSeconds) {
    Vertx probe = Vertx.vertx(); // health is timed on its own event loop, not behind the silent connections' events
    HttpClient client = probe.createHttpClient();
    System.out.printf("before: server fds %d, health %s%n", fds(pid), health(client, port));
    NetClient net = vertx.createNetClient(new NetClientOptions().setConnectTimeout(30_000));
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long start = System.currentTimeMillis();
    for (int wave = 0; wave < count; wave += 1000) { // in waves, so that the accept backlog never overflows
      List<Future<NetSocket>> all = new ArrayList<>();
      for (int i = wave; i < Math.min(count, wave + 1000); i++) {
        all.add(net.connect(port, "127.0.0.1").onComplete(ar -> {
          if (ar.failed()) {
            failed.incrementAndGet();
            return;
          }
          ar.result().closeHandler(v -> closed.incrementAndGet());
          if (slowloris) {
            ar.result().write("GET /events?topic=a HT");
          }
        }));
      }
      Future.join(all).otherwiseEmpty().await();
      System.out.printf("t=%5.1f s  opened %6d  closed by server %6d  server fds %6d  health %s%n",
          (System.currentTimeMillis() - start) / 1000.0, Math.min(count, wave + 1000) - failed.get(), closed.get(),
          fds(pid), health(client, port));
    }
    System.out.printf("opened %d (%d failed) in %.1f s%n", count - failed.get(), failed.get(),
        (System.currentTimeMillis() - start) / 1000.0);
    long deadline = start + holdSeconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      System.out.printf("t=%5.1f s  closed by server %6d  server fds %6d  health %s%n",
          (System.currentTimeMillis() - start) / 1000.0, closed.get(), fds(pid), health(client, port));
      if (closed.get() + failed.get() >= count) {
        break;
      }
      Future<Void> tick = Future.future(p -> vertx.setTimer(1000, id -> p.complete()));
      tick.await();
    }
    System.out.printf("end: %d of %d closed by the server after %.1f s; server fds %d%n", closed.get(),
        count - failed.get(), (System.currentTimeMillis() - start) / 1000.0, fds(pid));
    probe.close().await();
  }

  private static String health(HttpClient client, int port) {
    long t = System.nanoTime();
    try {
      int status = client.request(HttpMethod.GET, port, "127.0.0.1", "/health/live")
          .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode()))) // body() in send()'s listener
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      return status + " in " + String.format("%.1f ms", (System.nanoTime() - t) / 1e6);
    } catch (Exception e) {
      return "failed (" + e.getMessage() + ") after " + String.format("%.1f ms", (System.nanoTime() - t) / 1e6);
    }
  }

  private static long fds(long pid) {
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return fds.count();
    } catch (IOException e) {
      return -1;
    }
  }
}
