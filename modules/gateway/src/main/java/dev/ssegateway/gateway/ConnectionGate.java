package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.LiveSettings;
import io.netty.channel.Channel;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
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
 * These hold from accept, before any byte is read, for HTTP/1.x and HTTP/2 connections alike, cleartext HTTP/2
 * (h2c) included: the gate's server ({@link #createServer}) tells it of each connection at accept. Lives on its
 * instance's event loop; the counts it shares with the other instances are {@link GatewayStats}'. The request decoder
 * of each HTTP/1.x connection is a {@link FramingDecoder}; the first request of a cleartext one asking for
 * {@code Upgrade: h2c} goes through {@link H2cUpgrade}.
 */
final class ConnectionGate {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGate.class);
  private static final RateLimitedLog REFUSED_LOG = new RateLimitedLog(LOG, 10_000);
  /** The process's open-file limit, or {@link Long#MAX_VALUE} where the JVM cannot tell. */
  static final long MAX_FILE_DESCRIPTORS = maxFileDescriptors();

  private final Vertx vertx;
  private final LiveSettings live;
  private final GatewayStats stats;
  private final Map<Channel, Tracked> tracked = new HashMap<>();
  /**
   * Connections of this instance without a request in progress (no request head yet, or idle after an answer), oldest
   * first: per address, and all. These make room for new connections.
   */
  private final Map<String, LinkedHashSet<Tracked>> waiting = new HashMap<>();
  private final LinkedHashSet<Tracked> allWaiting = new LinkedHashSet<>();
  /** Open streams of this instance's HTTP/2 connections that have any. */
  private final Map<Channel, Integer> http2Streams = new HashMap<>();
  /** This instance's open connections. */
  private final Set<Channel> openChannels = new java.util.HashSet<>();

  /** One accepted connection that is not a stream (yet). */
  private final class Tracked {
    final Channel channel;
    final String peer;
    /** Vert.x's connection over the channel, once Vert.x made one ({@link #connected}); null before. */
    HttpConnection connection;
    long timer = -1;
    HttpServerRequest current;
    boolean idleSeen;
    boolean holdsSlot;

    Tracked(Channel channel, String peer) {
      this.channel = channel;
      this.peer = peer;
    }

    /** Closes it: an HTTP/2 connection with a GOAWAY, any other at once. */
    void close() {
      if (connection != null) {
        connection.close();
      } else {
        channel.close();
      }
    }
  }

  ConnectionGate(Vertx vertx, LiveSettings live, GatewayStats stats) {
    this.vertx = vertx;
    this.live = live;
    this.stats = stats;
  }

  /**
   * An HTTP server with {@code options} whose connections this gate admits at accept, before any byte is read,
   * whichever protocol (HTTP/1.x, h2c, HTTP/2 by ALPN) they turn out to speak; an HTTP/1.x connection's request
   * decoder is a {@link FramingDecoder}. Its {@code connectionHandler} must call {@link #connected}.
   */
  HttpServer createServer(HttpServerOptions options) {
    return VertxInternals.httpServer(vertx, options, new VertxInternals.AcceptHook() {
      @Override
      public void accepted(Channel channel) {
        ConnectionGate.this.accepted(channel);
      }

      @Override
      public io.netty.channel.ChannelHandler http1Decoder() {
        return FramingDecoder.create(options, ConnectionGate.this::brokenBody);
      }

      @Override
      public void h2cUpgrade(io.netty.handler.codec.http.HttpRequest request) {
        H2cUpgrade.declineUnservable(request);
      }

      @Override
      public void http2(io.netty.channel.ChannelPipeline pipeline) {
        Http2RequestCheck.install(pipeline, stats);
      }
    });
  }

  /**
   * The body of the request being read on {@code channel} could not be decoded: that request gets a JSON refusal when
   * its answer has not begun, and the connection is closed.
   */
  private void brokenBody(Channel channel, Throwable cause) {
    Tracked t = tracked.get(channel);
    HttpServerRequest request = t == null ? null : t.current;
    if (request != null && !request.isEnded()) { // else the broken body's request is not ours yet, or a stream's
      HttpRefusals.brokenBody(request, cause, stats);
    } else {
      channel.close();
    }
  }

  /** Admits or closes {@code channel}, just accepted (on this instance's event loop). */
  void accepted(Channel channel) {
    GatewaySettings settings = live.current();
    String peer = channel.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null
        ? remote.getAddress().getHostAddress() : "?";
    boolean loopback = isLoopback(peer);
    int open = stats.openConnections.incrementAndGet();
    Tracked t = new Tracked(channel, peer);
    openChannels.add(channel);
    channel.closeFuture().addListener(f -> closed(t));
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
    tracked.put(channel, t);
    await(t);
    arm(t);
  }

  /**
   * For {@code HttpServer#connectionHandler}: Vert.x made {@code connection} over a channel this gate admitted (for a
   * cleartext server with h2c, that is after its first request or its HTTP/2 preface).
   */
  void connected(HttpConnection connection) {
    Tracked t = tracked.get(VertxInternals.channel(connection));
    if (t != null) {
      t.connection = connection;
    }
  }

  /** Wraps the server's request handler: each request head restarts its connection's deadline. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      Tracked t = tracked.get(VertxInternals.channel(request.connection()));
      if (t != null) {
        t.connection = request.connection();
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
    Channel channel = VertxInternals.channel(request.connection());
    Tracked t = tracked.remove(channel);
    if (t != null) {
      disarm(t);
      release(t);
    }
    if (request.version() == HttpVersion.HTTP_2 && openChannels.contains(channel)) {
      http2Streams.merge(channel, 1, Integer::sum);
    }
  }

  /**
   * An HTTP/2 stream of {@code connection} ended. An HTTP/2 connection outlives its streams (an HTTP/1.1 stream takes
   * its connection with it): one left without a stream for {@code limits.request_timeout_ms} is closed (GOAWAY).
   */
  void http2StreamClosed(HttpConnection connection) {
    Channel channel = VertxInternals.channel(connection);
    if (!http2Streams.containsKey(channel)) {
      return;
    }
    if (http2Streams.computeIfPresent(channel, (c, n) -> n > 1 ? n - 1 : null) == null) {
      vertx.setTimer(live.current().get(GatewaySettings.REQUEST_TIMEOUT_MS), id -> {
        if (!http2Streams.containsKey(channel) && openChannels.contains(channel)) {
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
    if (!tracked.containsKey(t.channel)) {
      return;
    }
    HttpServerRequest request = t.current;
    if (request == null) {
      timedOut(t, "no request head within limits.request_timeout_ms");
      t.close();
    } else if (request.response().ended()) {
      if (t.idleSeen) {
        t.close(); // idle keep-alive: the client may open a new connection when it needs one
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
      t.close(); // the answer is flushed first: it was written on this loop
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
    t.close();
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
    tracked.remove(t.channel);
    disarm(t);
    release(t);
    stats.rejected("connection_evicted");
    REFUSED_LOG.warn("connection_evicted", "event=connection_closed reason=connection_evicted peer={} detail=\"{}\"",
        t.peer, "the oldest connection without a request made room for a new one");
    t.close();
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
    openChannels.remove(t.channel);
    http2Streams.remove(t.channel);
    unwait(t);
    if (tracked.remove(t.channel) != null) {
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
