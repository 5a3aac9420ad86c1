package dev.ssegateway.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 written byte for byte over a TCP connection to 127.0.0.1, for what an HTTP client library would
 * normalise (a chosen {@code Host}, {@code Expect: 100-continue} with the body held back). Everything received
 * is kept as text; waits end on a condition or a deadline, never after a fixed sleep.
 */
public final class RawHttp {

  /** One parsed response: the status of its first line, the header block and the rest. */
  public record Response(int status, String head, String body) {
    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    static Response parse(String text) {
      int end = text.indexOf("\r\n\r\n");
      String head = end < 0 ? text : text.substring(0, end);
      String body = end < 0 ? "" : text.substring(end + 4);
      String[] first = head.split("\r\n", 2)[0].split(" ");
      return new Response(first.length > 1 ? Integer.parseInt(first[1]) : -1, head, body);
    }
  }

  private final Vertx vertx;
  /** Held while the connection is: Vert.x closes a client's connections once the client is garbage collected. */
  private final NetClient client;
  private final NetSocket socket;
  private final StringBuilder received = new StringBuilder();
  private final Promise<Void> closed = Promise.promise();

  private RawHttp(Vertx vertx, NetClient client, NetSocket socket) {
    this.vertx = vertx;
    this.client = client;
    this.socket = socket;
    socket.handler(b -> {
      synchronized (received) {
        received.append(b.toString(StandardCharsets.ISO_8859_1));
      }
    });
    socket.closeHandler(v -> closed.tryComplete());
  }

  public static Future<RawHttp> connect(Vertx vertx, int port) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
    return client.connect(port, "127.0.0.1").map(s -> new RawHttp(vertx, client, s));
  }

  /**
   * Sends {@code request} (with {@code Connection: close} in it) and completes with the last response once the
   * server closed the connection.
   */
  public static Future<Response> exchange(Vertx vertx, int port, String request) {
    return connect(vertx, port).compose(c -> c.write(request).compose(v -> c.closed(10_000))
        .map(v -> Response.parse(c.lastResponseText())));
  }

  public Future<Void> write(String text) {
    return socket.write(Buffer.buffer(text.getBytes(StandardCharsets.ISO_8859_1)));
  }

  public String received() {
    synchronized (received) {
      return received.toString();
    }
  }

  /** Completes with what was received once it contains {@code text}; fails after {@code timeoutMs}. */
  public Future<String> await(String text, long timeoutMs) {
    return Await.until(vertx, () -> received().contains(text), timeoutMs,
        () -> "'" + text.replace("\r\n", "\\r\\n") + "' in " + received().replace("\r\n", "\\r\\n"))
        .map(v -> received());
  }

  /** Completes when the server has closed the connection; fails after {@code timeoutMs}. */
  public Future<Void> closed(long timeoutMs) {
    return Await.until(vertx, () -> closed.future().isComplete(), timeoutMs,
        () -> "the server to close the connection; received " + received().replace("\r\n", "\\r\\n"));
  }

  public boolean isClosed() {
    return closed.future().isComplete();
  }

  /** The final response received (after any interim {@code 1xx} responses). */
  public Response lastResponse() {
    return Response.parse(lastResponseText());
  }

  private String lastResponseText() {
    String text = received();
    // skip interim responses ("HTTP/1.1 100 Continue\r\n\r\n"): they have no body
    while (text.matches("(?s)HTTP/1\\.\\d 1\\d\\d .*") && text.contains("\r\n\r\n")) {
      text = text.substring(text.indexOf("\r\n\r\n") + 4);
    }
    return text;
  }

  public Future<Void> close() {
    return socket.close();
  }
}
