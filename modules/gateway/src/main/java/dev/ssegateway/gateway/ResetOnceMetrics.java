package dev.ssegateway.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Vert.x metrics that count a reset HTTP request once. Vert.x 5.0.7 reports a request reset twice when a client
 * resets (TCP RST) a connection whose response has not ended, as every stream's has not: once for the exception,
 * once more for the close ({@code Http1xServerConnection.handleException}, then {@code handleClosed}, each calling
 * {@code Http1xServerRequest.handleException}). The gauge {@code vertx_http_server_active_requests} then goes one
 * below zero per reset stream. This wrapper passes the first reset of each request on and drops the repeats;
 * everything else goes straight to the wrapped metrics. Uses only the public metrics SPI.
 */
final class ResetOnceMetrics implements VertxMetrics {

  private final VertxMetrics metrics;

  private ResetOnceMetrics(VertxMetrics metrics) {
    this.metrics = metrics;
  }

  /** {@code factory}, its metrics wrapped. */
  static VertxMetricsFactory wrap(VertxMetricsFactory factory) {
    return new VertxMetricsFactory() {
      @Override
      public VertxMetrics metrics(VertxOptions options) {
        return new ResetOnceMetrics(factory.metrics(options));
      }

      @Override
      public MetricsOptions newOptions() {
        return factory.newOptions();
      }

      @Override
      public MetricsOptions newOptions(MetricsOptions options) {
        return factory.newOptions(options);
      }

      @Override
      public MetricsOptions newOptions(JsonObject json) {
        return factory.newOptions(json);
      }
    };
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    HttpServerMetrics<?, ?, ?> server = metrics.createHttpServerMetrics(options, localAddress);
    return server == null ? null : new Server<>(server);
  }

  @Override
  public EventBusMetrics createEventBusMetrics() {
    return metrics.createEventBusMetrics();
  }

  @Override
  public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
    return metrics.createClientMetrics(remoteAddress, type, namespace);
  }

  @Override
  public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
    return metrics.createHttpClientMetrics(options);
  }

  @Override
  public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
    return metrics.createNetServerMetrics(options, localAddress);
  }

  @Override
  public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
    return metrics.createNetClientMetrics(options);
  }

  @Override
  public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
    return metrics.createDatagramSocketMetrics(options);
  }

  @Override
  public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
    return metrics.createPoolMetrics(poolType, poolName, maxPoolSize);
  }

  @Override
  public void vertxCreated(Vertx vertx) {
    metrics.vertxCreated(vertx);
  }

  @Override
  public boolean isMetricsEnabled() {
    return metrics.isMetricsEnabled();
  }

  @Override
  public void close() {
    metrics.close();
  }

  /** An HTTP server's metrics, each request's reset reported at most once. */
  private static final class Server<R, W, S> implements HttpServerMetrics<R, W, S> {

    private final HttpServerMetrics<R, W, S> server;
    /** Requests already reported reset; weak, so requests that are gone leave. */
    private final Map<Object, Boolean> reset = Collections.synchronizedMap(new WeakHashMap<>());

    @SuppressWarnings("unchecked")
    Server(HttpServerMetrics<?, ?, ?> server) {
      this.server = (HttpServerMetrics<R, W, S>) server;
    }

    @Override
    public void requestReset(R requestMetric) {
      if (requestMetric == null || reset.put(requestMetric, Boolean.TRUE) == null) {
        server.requestReset(requestMetric);
      }
    }

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return server.requestBegin(socketMetric, request);
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      server.requestEnd(requestMetric, request, bytesRead);
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      server.responseBegin(requestMetric, response);
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return server.responsePushed(socketMetric, method, uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric == null || !reset.containsKey(requestMetric)) { // after a reset, an end is a repeat too
        server.responseEnd(requestMetric, response, bytesWritten);
      }
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
      return server.connected(socketMetric, requestMetric, serverWebSocket);
    }

    @Override
    public void disconnected(W serverWebSocketMetric) {
      server.disconnected(serverWebSocketMetric);
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      server.requestRouted(requestMetric, route);
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return server.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      server.disconnected(socketMetric, remoteAddress);
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      server.bytesRead(socketMetric, remoteAddress, numberOfBytes);
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      server.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      server.exceptionOccurred(socketMetric, remoteAddress, t);
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
