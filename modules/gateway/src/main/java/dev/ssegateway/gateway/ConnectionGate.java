package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.LiveSettings;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Admits the connections of one gateway instance and closes those that hold a file descriptor without using it.
 * <ul>
 * <li>From accept until it carries a stream, a connection takes a slot of its address
 * ({@code limits.max_connections_per_address}, the same bound as streams). When the address has none left, its
 * oldest connection on this instance without a request in progress (no request head yet, or idle after an answer
 * for at least {@code limits.request_timeout_ms}) is closed to make room; only if there is none is the new
 * connection closed at once. Silent connections from one address are so bounded before any request
 * arrives, and cannot lock out a client of the same address that does send requests (a health check).</li>
 * <li>A connection must send a request head within {@code limits.request_timeout_ms} of its accept, and a request
 * its body within that time of its head; otherwise it gets a 408 JSON answer when one can still be written, and is
 * closed. An idle keep-alive connection is closed 1-2 times that after its last answer. A stream (its request
 * answered with a stream) is never timed: heartbeats keep it alive for hours.</li>
 * <li>The node keeps {@code limits.fd_reserve} file descriptors below the process's open-file limit for loopback
 * clients (health, admin) and its own files: once the node's open connections reach the limit minus the reserve, a
 * new connection from any other address is closed at once; a loopback connection may use half of the reserve, and
 * beyond that takes the place of the oldest connection without a request in progress.</li>
 * </ul>
 * Lives on its instance's event loop; the counts it shares with the other instances are {@link GatewayStats}'.
 * The request decoder of each connection is replaced by a {@link FramingDecoder}.
 */
final class ConnectionGate {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGate.class);
  private static final RateLimitedLog REFUSED_LOG = new RateLimitedLog(LOG, 10_000);
  /** The process's open-file limit, or {@link Long#MAX_VALUE} where the JVM cannot tell. */
  static final long MAX_FILE_DESCRIPTORS = maxFileDescriptors();

  private final Vertx vertx;
  private final LiveSettings live;
  private final GatewayStats stats;
  private final Map<HttpConnection, Tracked> tracked = new HashMap<>();
  /**
   * Connections of this instance without a request in progress (no request head yet, or idle after an answer), oldest
   * first: per address, and all. These make room for new connections.
   */
  private final Map<String, LinkedHashSet<Tracked>> waiting = new HashMap<>();
  private final LinkedHashSet<Tracked> allWaiting = new LinkedHashSet<>();
  /** Open streams of this instance's HTTP/2 connections that have any. */
  private final Map<HttpConnection, Integer> http2Streams = new HashMap<>();
  /** This instance's open connections. */
  private final Set<HttpConnection> openConnections = new java.util.HashSet<>();

  /** One accepted connection that is not a stream (yet). */
  private final class Tracked {
    final HttpConnection connection;
    final String peer;
    long timer = -1;
    HttpServerRequest current;
    boolean idleSeen;
    boolean holdsSlot;

    Tracked(HttpConnection connection, String peer) {
      this.connection = connection;
      this.peer = peer;
    }
  }

  ConnectionGate(Vertx vertx, LiveSettings live, GatewayStats stats) {
    this.vertx = vertx;
    this.live = live;
    this.stats = stats;
  }

  /**
   * For {@code HttpServer#connectionHandler}: admits or closes a connection just accepted by a server with
   * {@code options}.
   */
  void accept(HttpConnection connection, HttpServerOptions options) {
    GatewaySettings settings = live.current();
    SocketAddress remote = connection.remoteAddress();
    String peer = remote == null || remote.host() == null ? "?" : remote.host();
    boolean loopback = isLoopback(peer);
    int open = stats.openConnections.incrementAndGet();
    Tracked t = new Tracked(connection, peer);
    openConnections.add(connection);
    connection.closeHandler(v -> closed(t));
    int reserve = settings.get(GatewaySettings.FD_RESERVE);
    if (!admits(open, MAX_FILE_DESCRIPTORS, reserve, loopback) && (!loopback || evictOldest(null) == null)) {
      refuse(t, "fd_reserve", "the node holds " + open + " connections; the open-file limit is "
          + MAX_FILE_DESCRIPTORS + " and limits.fd_reserve=" + reserve + " is kept for loopback clients");
      return;
    }
    int perAddress = settings.get(GatewaySettings.MAX_CONNECTIONS_PER_ADDRESS);
    if (!stats.notStreamsPerAddress.tryAcquire(peer, perAddress)
        && (evictOldest(peer) == null || !stats.notStreamsPerAddress.tryAcquire(peer, perAddress))) {
      refuse(t, "too_many_connections_from_address", "this address holds limits.max_connections_per_address="
          + perAddress + " connections that are not streams");
      return;
    }
    t.holdsSlot = true;
    tracked.put(connection, t);
    await(t);
    io.netty.channel.Channel channel = VertxInternals.channel(connection);
    // Under cleartext HTTP/2 detection (http.h2c) Vert.x calls us once the first request is decoded: replacing the
    // decoder then would drop the rest of that request's bytes, so its check is skipped there.
    if (channel != null && channel.pipeline().get(VertxInternals.HTTP_DECODER) != null
        && channel.pipeline().get(VertxInternals.H2C_UPGRADE) == null) {
      channel.pipeline().replace(VertxInternals.HTTP_DECODER, VertxInternals.HTTP_DECODER, FramingDecoder.create(options));
    }
    arm(t);
  }

  /** Wraps the server's request handler: each request head restarts its connection's deadline. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      Tracked t = tracked.get(request.connection());
      if (t != null) {
        unwait(t);
        t.current = request;
        t.idleSeen = false;
        arm(t);
      }
      next.handle(request);
    };
  }

  /** The connection's request was answered with a stream: no deadline from now on, and its slot is given back. */
  void streamOpened(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    Tracked t = tracked.remove(connection);
    if (t != null) {
      disarm(t);
      release(t);
    }
    if (request.version() == HttpVersion.HTTP_2 && openConnections.contains(connection)) {
      http2Streams.merge(connection, 1, Integer::sum);
    }
  }

  /**
   * A stream of {@code connection} ended. An HTTP/2 connection outlives its streams (an HTTP/1.1 stream takes its
   * connection with it): one left without a stream for {@code limits.request_timeout_ms} is closed (GOAWAY).
   */
  void streamClosed(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (request.version() != HttpVersion.HTTP_2 || !http2Streams.containsKey(connection)) {
      return;
    }
    if (http2Streams.computeIfPresent(connection, (c, n) -> n > 1 ? n - 1 : null) == null) {
      vertx.setTimer(live.current().get(GatewaySettings.REQUEST_TIMEOUT_MS), id -> {
        if (!http2Streams.containsKey(connection) && openConnections.contains(connection)) {
          connection.close();
        }
      });
    }
  }

  /**
   * Whether a connection may stay, the node holding {@code open} connections with it: below {@code fdLimit -
   * reserve}, or for loopback clients below {@code fdLimit - reserve / 2}.
   */
  static boolean admits(long open, long fdLimit, int reserve, boolean loopback) {
    long cap = fdLimit - (loopback ? reserve / 2 : reserve);
    return open <= cap;
  }

  static boolean isLoopback(String host) {
    return host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
  }

  private void arm(Tracked t) {
    disarm(t);
    t.timer = vertx.setTimer(live.current().get(GatewaySettings.REQUEST_TIMEOUT_MS), id -> {
      t.timer = -1;
      expired(t);
    });
  }

  private void disarm(Tracked t) {
    if (t.timer >= 0) {
      vertx.cancelTimer(t.timer);
      t.timer = -1;
    }
  }

  private void expired(Tracked t) {
    if (!tracked.containsKey(t.connection)) {
      return;
    }
    HttpServerRequest request = t.current;
    if (request == null) {
      timedOut(t, "no request head within limits.request_timeout_ms");
      t.connection.close();
    } else if (request.response().ended()) {
      if (t.idleSeen) {
        t.connection.close(); // idle keep-alive: the client may open a new connection when it needs one
      } else {
        t.idleSeen = true;
        await(t); // idle: it may make room for a new connection until it is closed
        arm(t);
      }
    } else if (!request.isEnded()) {
      timedOut(t, "request body incomplete within limits.request_timeout_ms");
      if (!request.response().headWritten() && !request.response().closed()) {
        request.response().putHeader("Connection", "close");
        HttpErrors.send(request.response(), 408, "request_timeout", "the request body did not arrive within "
            + "limits.request_timeout_ms=" + live.current().get(GatewaySettings.REQUEST_TIMEOUT_MS) + " ms");
      }
      t.connection.close(); // the answer is flushed first: it was written on this loop
    } else {
      arm(t); // read, and being answered
    }
  }

  private void timedOut(Tracked t, String why) {
    stats.rejected("request_timeout");
    REFUSED_LOG.warn("request_timeout", "event=connection_closed reason=request_timeout peer={} detail=\"{}\"",
        t.peer, why);
  }

  private void refuse(Tracked t, String code, String why) {
    stats.rejected(code);
    REFUSED_LOG.warn(code, "event=connection_refused reason={} peer={} detail=\"{}\"", code, t.peer, why);
    t.connection.close();
  }

  /**
   * Closes the oldest connection of this instance without a request in progress, from {@code peer} (any address
   * when null), to make room for a new one: a flood of silent or idle connections then cannot lock out a client that
   * sends requests, such as a health check from the same host. Returns it, or null when there is none.
   */
  private Tracked evictOldest(String peer) {
    Set<Tracked> from = peer == null ? allWaiting : waiting.get(peer);
    if (from == null || from.isEmpty()) {
      return null;
    }
    Iterator<Tracked> oldest = from.iterator();
    Tracked t = oldest.next();
    unwait(t);
    tracked.remove(t.connection);
    disarm(t);
    release(t);
    stats.rejected("connection_evicted");
    REFUSED_LOG.warn("connection_evicted", "event=connection_closed reason=connection_evicted peer={} detail=\"{}\"",
        t.peer, "the oldest connection without a request made room for a new one");
    t.connection.close();
    return t;
  }

  private void await(Tracked t) {
    waiting.computeIfAbsent(t.peer, p -> new LinkedHashSet<>()).add(t);
    allWaiting.add(t);
  }

  private void unwait(Tracked t) {
    allWaiting.remove(t);
    Set<Tracked> set = waiting.get(t.peer);
    if (set != null && set.remove(t) && set.isEmpty()) {
      waiting.remove(t.peer);
    }
  }

  private void closed(Tracked t) {
    stats.openConnections.decrementAndGet();
    openConnections.remove(t.connection);
    http2Streams.remove(t.connection);
    unwait(t);
    if (tracked.remove(t.connection) != null) {
      disarm(t);
      release(t);
    }
  }

  private void release(Tracked t) {
    if (t.holdsSlot) {
      t.holdsSlot = false;
      stats.notStreamsPerAddress.release(t.peer);
    }
  }

  private static long maxFileDescriptors() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix && unix.getMaxFileDescriptorCount() > 0) {
      return unix.getMaxFileDescriptorCount();
    }
    return Long.MAX_VALUE;
  }
}
