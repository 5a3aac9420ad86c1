package dev.ssegateway.client.faults;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that behaves like an idle-killing middlebox (NAT box, corporate proxy,
 * antivirus): a connection that carries no byte, in either direction, for {@code idleMs} is
 * black-holed. From then on the proxy neither reads nor writes on either socket (both are paused),
 * sends no FIN and no RST, and keeps both sockets open until the proxy itself is closed: each end sees
 * a live TCP connection on which nothing ever arrives again, as in the field.
 */
final class BlackHoleProxy {

  /** When a connection was black-holed, and the last byte it had carried before. */
  record Hole(long lastByteNanos, long holedNanos) {
  }

  private static final long CHECK_MS = 50;

  private final Vertx vertx;
  private final long idleMs;
  private final NetServer server;
  private final NetClient client;
  private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
  private final List<Hole> holes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger accepted = new AtomicInteger();
  private long checkTimer = -1;
  private int port;

  private final class Pair {
    final NetSocket down;
    final NetSocket up;
    volatile long lastByteNanos = System.nanoTime();
    volatile boolean holed;

    Pair(NetSocket down, NetSocket up) {
      this.down = down;
      this.up = up;
    }

    void wire() {
      down.handler(buf -> {
        if (!holed) {
          lastByteNanos = System.nanoTime();
          up.write(buf);
        }
      });
      up.handler(buf -> {
        if (!holed) {
          lastByteNanos = System.nanoTime();
          down.write(buf);
        }
      });
      // Before the black hole, a close on one side is passed on, as a working middlebox does.
      down.closeHandler(v -> {
        if (!holed) {
          up.close();
        }
        pairs.remove(this);
      });
      up.closeHandler(v -> {
        if (!holed) {
          down.close();
        }
        pairs.remove(this);
      });
      down.exceptionHandler(t -> { });
      up.exceptionHandler(t -> { });
    }

    void blackHole(long now) {
      holed = true;
      down.pause();
      up.pause();
      holes.add(new Hole(lastByteNanos, now));
    }
  }

  private BlackHoleProxy(Vertx vertx, long idleMs) {
    this.vertx = vertx;
    this.idleMs = idleMs;
    this.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
    this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000));
  }

  /**
   * A proxy to {@code 127.0.0.1:targetPort} that black-holes every connection idle for {@code idleMs}
   * (never when {@code idleMs <= 0}).
   */
  static Future<BlackHoleProxy> start(Vertx vertx, int targetPort, long idleMs) {
    BlackHoleProxy proxy = new BlackHoleProxy(vertx, idleMs);
    proxy.server.connectHandler(down -> {
      proxy.accepted.incrementAndGet();
      down.pause();
      proxy.client.connect(targetPort, "127.0.0.1")
          .onSuccess(up -> {
            Pair pair = proxy.new Pair(down, up);
            proxy.pairs.add(pair);
            pair.wire();
            down.resume();
          })
          .onFailure(t -> down.close());
    });
    return proxy.server.listen().map(s -> {
      proxy.port = s.actualPort();
      if (idleMs > 0) {
        proxy.checkTimer = vertx.setPeriodic(CHECK_MS, id -> proxy.check());
      }
      return proxy;
    });
  }

  private void check() {
    long now = System.nanoTime();
    for (Pair p : pairs) {
      if (!p.holed && (now - p.lastByteNanos) / 1_000_000 >= idleMs) {
        p.blackHole(now);
      }
    }
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Connections black-holed so far, in the order it happened. */
  List<Hole> holes() {
    synchronized (holes) {
      return new ArrayList<>(holes);
    }
  }

  /** Stops listening and closes every socket, black-holed ones included. */
  Future<Void> close() {
    if (checkTimer >= 0) {
      vertx.cancelTimer(checkTimer);
    }
    for (Pair p : pairs) {
      p.down.close();
      p.up.close();
    }
    pairs.clear();
    return Future.all(server.close(), client.close()).mapEmpty();
  }
}
