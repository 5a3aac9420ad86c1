package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an idle stream keeps alive on the heap, measured: 1,000 streams opened by plain NIO sockets (a few hundred
 * bytes each on the client side), heap after a full GC before and after. The gateway's part was 10.5 KiB per
 * stream, more than half of it Vert.x's cross-thread outbound queue of each connection; with strict thread mode
 * and the lane's heartbeat schedule it is about 5 KiB (docs/performance.md, "Memory per idle stream").
 */
@ExtendWith(VertxExtension.class)
class IdleStreamMemoryTest {

  private static final int STREAMS = 1000;
  /**
   * Server and client together, per stream: 11.2 KiB before strict thread mode, 6.3 KiB before the heartbeat
   * schedule and the emptied headers, 5.0-5.4 KiB after (the bound leaves room for a busy machine).
   */
  private static final long MAX_BYTES_PER_STREAM = 7 * 1024;

  @Test
  @io.vertx.junit5.Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void anIdleStreamKeepsLessThanSevenKibOfHeap(Vertx vertx) throws Exception {
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 60_000)), "mem")
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<SocketChannel> sockets = new ArrayList<>();
    try {
      open(g.port(), 10, sockets); // warm-up: classes loaded, pools and lanes' structures created
      awaitStreams(vertx, g, 10);
      long before = heapAfterGc();
      open(g.port(), STREAMS, sockets);
      awaitStreams(vertx, g, STREAMS + 10);
      long after = heapAfterGc();
      double perStream = (after - before) / (double) STREAMS;
      System.out.printf("MEASURE idle streams=%d heap_after_gc_bytes_per_stream=%.0f (server and NIO client)%n",
          STREAMS, perStream);
      assertEquals(STREAMS + 10, g.stats().openStreams());
      assertTrue(perStream < MAX_BYTES_PER_STREAM, "heap per idle stream " + perStream + " bytes");
    } finally {
      for (SocketChannel s : sockets) {
        s.close();
      }
    }
  }

  /**
   * An open stream holds what writing to it needs, not the request's routing context: vertx-web's context, its
   * request wrapper, parsers and maps were ~0.9 KiB per idle stream while a close handler held the request.
   */
  @Test
  @io.vertx.junit5.Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void anOpenStreamDoesNotKeepItsRoutingContext(Vertx vertx) throws Exception {
    List<java.lang.ref.WeakReference<Object>> contexts = new java.util.concurrent.CopyOnWriteArrayList<>();
    Routes watch = router -> router.route("/events").order(-100).handler(ctx -> {
      contexts.add(new java.lang.ref.WeakReference<>(ctx));
      contexts.add(new java.lang.ref.WeakReference<>(ctx.request()));
      ctx.next();
    });
    Gateway g = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 60_000)), "mem",
        List.of(watch)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<SocketChannel> sockets = new ArrayList<>();
    try {
      open(g.port(), 20, sockets);
      awaitStreams(vertx, g, 20);
      assertEquals(40, contexts.size(), "the watch saw every stream's request");
      Await.until(vertx, () -> {
        System.gc();
        return contexts.stream().allMatch(r -> r.get() == null);
      }, 30_000, () -> contexts.stream().filter(r -> r.get() != null).count() + " of 40 routing contexts and "
          + "requests still reachable").toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(20, g.stats().openStreams(), "every stream still open");
    } finally {
      for (SocketChannel s : sockets) {
        s.close();
      }
    }
  }

  /** Opens {@code n} streams and reads each one's response head and hello: every stream is live on return. */
  private static void open(int port, int n, List<SocketChannel> into) throws IOException {
    byte[] request = ("GET /events?topic=quiet HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] in = new byte[4096];
    for (int i = 0; i < n; i++) {
      SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      into.add(s);
      s.write(ByteBuffer.wrap(request));
      s.socket().setSoTimeout(30_000); // a read waits at most 30 s for the hello
      InputStream from = s.socket().getInputStream();
      StringBuilder got = new StringBuilder();
      while (got.indexOf("event: hello") < 0) {
        int r = from.read(in);
        assertTrue(r >= 0, "stream " + i + " closed: " + got);
        got.append(new String(in, 0, r, StandardCharsets.US_ASCII));
      }
      assertTrue(got.toString().startsWith("HTTP/1.1 200"), got.toString());
    }
  }

  private static void awaitStreams(Vertx vertx, Gateway g, long n) throws Exception {
    Await.until(vertx, () -> g.stats().openStreams() == n && g.stats().heartbeatTimers() == n, 30_000,
        () -> "streams: " + g.stats().toJson()).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
