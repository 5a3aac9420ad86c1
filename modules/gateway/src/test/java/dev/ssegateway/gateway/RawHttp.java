package dev.ssegateway.gateway;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 as bytes on a socket, for what a well-behaved client cannot send: malformed or ambiguous requests.
 * Reads one response (headers and a {@code Content-Length} body) and, when asked, whether the server then
 * closed the connection.
 */
final class RawHttp {

  private static final int READ_TIMEOUT_MS = 10_000;

  record Reply(int status, String head, String body, boolean closed) {
    JsonObject json() {
      return new JsonObject(body);
    }

    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  private RawHttp() {
  }

  /** Sends {@code request} on a new connection, reads the reply and, if {@code awaitClose}, the server's close. */
  static Reply exchange(int port, String request, boolean awaitClose) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_TIMEOUT_MS);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return read(socket.getInputStream(), awaitClose);
    }
  }

  /** Reads a response head only (for a stream, whose body does not end). */
  static Reply readHead(InputStream in) throws IOException {
    String headText = head(in);
    return new Reply(Integer.parseInt(headText.substring(9, 12)), headText, "", false);
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before a full response head: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  static Reply read(InputStream in, boolean awaitClose) throws IOException {
    String headText = head(in);
    int status = Integer.parseInt(headText.substring(9, 12));
    int length = 0;
    for (String line : headText.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    boolean closed = false;
    if (awaitClose) {
      try {
        closed = in.read() < 0;
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (IOException reset) {
        closed = true;
      }
    }
    return new Reply(status, headText, new String(body, StandardCharsets.UTF_8), closed);
  }
}
