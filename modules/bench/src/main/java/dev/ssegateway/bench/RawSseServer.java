package dev.ssegateway.bench;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The raw ceiling: a server that does nothing but accept {@code GET} (any path) as an SSE stream and, on
 * {@code POST} (any path), encode the body once as one chunk {@code id: N\ndata: BODY\n\n} and write that
 * same buffer to every open socket. No topics, no history, no per-connection timers: one shared timer per
 * event loop writes a heartbeat to all its sockets. One instance per event loop, like the gateway.
 */
public final class RawSseServer {

  private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
      + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  private static final Buffer ACCEPTED = Buffer.buffer("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");

  private final List<Instance> instances = new CopyOnWriteArrayList<>();
  private long seq;

  private RawSseServer() {
  }

  /** Deploys {@code instances} servers sharing {@code port} (0: random); completes with the port. */
  public static Future<Integer> deploy(Vertx vertx, String host, int port, int instances, long heartbeatMs) {
    RawSseServer shared = new RawSseServer();
    List<Integer> ports = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> shared.new Instance(host, port, heartbeatMs, ports),
        new DeploymentOptions().setInstances(instances)).map(id -> ports.get(0));
  }

  static Buffer chunk(String frame) {
    byte[] body = frame.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(body.length + 12).appendString(Integer.toHexString(body.length) + "\r\n")
        .appendBytes(body).appendString("\r\n");
  }

  private synchronized Buffer encode(String data) {
    return chunk("id: " + (++seq) + "\ndata: " + data + "\n\n");
  }

  private final class Instance extends VerticleBase {
    private final String host;
    private final int port;
    private final long heartbeatMs;
    private final List<Integer> ports;
    private final List<NetSocket> streams = new ArrayList<>();
    private Context loop;

    Instance(String host, int port, long heartbeatMs, List<Integer> ports) {
      this.host = host;
      this.port = port;
      this.heartbeatMs = heartbeatMs;
      this.ports = ports;
    }

    @Override
    public Future<?> start() {
      loop = context;
      instances.add(this);
      Buffer heartbeat = chunk("event: heartbeat\ndata: {\"heartbeat_ms\":" + heartbeatMs + "}\n\n");
      vertx.setPeriodic(heartbeatMs, id -> streams.forEach(s -> s.write(heartbeat)));
      NetServer server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port == 0 ? -1 : port)
          .setTcpNoDelay(true).setAcceptBacklog(4096));
      server.connectHandler(this::accept);
      return server.listen().onSuccess(s -> ports.add(s.actualPort()));
    }

    private void accept(NetSocket socket) {
      Buffer[] pending = {Buffer.buffer()};
      socket.handler(buf -> {
        pending[0].appendBuffer(buf);
        pending[0] = requests(socket, pending[0]);
      });
      socket.closeHandler(v -> streams.remove(socket));
    }

    /** Handles every complete request in {@code in}; returns what is left of an incomplete one. */
    private Buffer requests(NetSocket socket, Buffer in) {
      int at = 0;
      while (true) {
        int end = indexOf(in, at);
        if (end < 0) {
          return at == 0 ? in : in.getBuffer(at, in.length());
        }
        String head = in.getString(at, end, "ISO-8859-1");
        if (head.startsWith("GET ")) {
          streams.add(socket);
          socket.write(Buffer.buffer(HEADERS));
          return Buffer.buffer();
        }
        int length = contentLength(head);
        if (in.length() < end + 4 + length) {
          return at == 0 ? in : in.getBuffer(at, in.length());
        }
        Buffer frame = encode(in.getString(end + 4, end + 4 + length, "UTF-8"));
        for (Instance i : instances) {
          i.loop.runOnContext(v -> i.streams.forEach(s -> s.write(frame)));
        }
        socket.write(ACCEPTED);
        at = end + 4 + length;
      }
    }

    private int contentLength(String head) {
      for (String line : head.split("\r\n")) {
        if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
          return Integer.parseInt(line.substring(15).trim());
        }
      }
      return 0;
    }

    private int indexOf(Buffer in, int from) {
      for (int i = from; i + 3 < in.length(); i++) {
        if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r'
            && in.getByte(i + 3) == '\n') {
          return i;
        }
      }
      return -1;
    }
  }
}
