package dev.ssegateway.app;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of one member's port, that a test cuts like a network does: {@link #cut()} makes
 * it a black hole (connections stay open, nothing is forwarded either way, new connections are accepted and go
 * nowhere) and {@link #heal()} forwards again, after closing every connection the cut left half-dead (their bytes
 * were dropped mid-stream), so both sides reconnect.
 */
final class CutProxy {

  private final Vertx vertx;
  private final int target;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private NetServer server;

  CutProxy(Vertx vertx, int target) {
    this.vertx = vertx;
    this.target = target;
    this.client = vertx.createNetClient();
  }

  Future<CutProxy> start() {
    server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0)).connectHandler(this::accept);
    return server.listen().map(s -> this);
  }

  int port() {
    return server.actualPort();
  }

  private void accept(NetSocket in) {
    sockets.add(in);
    in.closeHandler(v -> sockets.remove(in));
    if (cut) {
      in.handler(b -> { }); // accepted, never answered: a black hole
      return;
    }
    in.pause();
    client.connect(target, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        in.close();
        return;
      }
      NetSocket out = ar.result();
      sockets.add(out);
      out.closeHandler(v -> {
        sockets.remove(out);
        in.close();
      });
      in.closeHandler(v -> {
        sockets.remove(in);
        out.close();
      });
      in.handler(b -> {
        if (!cut) {
          out.write(b);
        }
      });
      out.handler(b -> {
        if (!cut) {
          in.write(b);
        }
      });
      in.resume();
    });
  }

  void cut() {
    cut = true;
  }

  void heal() {
    for (NetSocket s : sockets) {
      s.close();
    }
    cut = false;
  }

  Future<Void> close() {
    heal();
    return server.close().compose(v -> client.close());
  }
}
