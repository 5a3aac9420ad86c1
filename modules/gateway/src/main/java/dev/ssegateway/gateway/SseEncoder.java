package dev.ssegateway.gateway;

import dev.ssegateway.core.Utf8;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The one place that writes {@code text/event-stream}. Data is normalised ({@link Utf8#normalize}) and
 * split on CR, LF and CRLF into {@code data:} lines, so no payload can end a frame early or smuggle a
 * field; ids and event names reach it already validated, and are checked again here for line breaks.
 */
public final class SseEncoder {

  private SseEncoder() {
  }

  /** {@code id: <id>\n}: the part of a frame that may differ per connection. */
  public static Buffer idLine(String id) {
    requireSingleLine(id, "id");
    return Buffer.buffer(("id: " + id + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** {@code event: <type>\ndata: ...\n\n}: the part of a frame shared by every connection. */
  public static Buffer body(String type, String data) {
    requireSingleLine(type, "event type");
    StringBuilder b = new StringBuilder(data.length() + type.length() + 24);
    b.append("event: ").append(type).append('\n');
    appendData(b, Utf8.normalize(data));
    b.append('\n');
    return Buffer.buffer(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A whole frame: id line then body. */
  public static Buffer frame(String id, String type, String data) {
    return idLine(id).appendBuffer(body(type, data));
  }

  /** The {@code retry:} field announcing the reconnect base delay. */
  public static Buffer retry(long ms) {
    return Buffer.buffer("retry: " + ms + "\n\n");
  }

  /** A comment line, ignored by every client but still proof of a live connection. */
  public static Buffer comment(String text) {
    requireSingleLine(text, "comment");
    return Buffer.buffer(": " + text + "\n\n");
  }

  private static void appendData(StringBuilder b, String data) {
    int start = 0;
    int n = data.length();
    for (int i = 0; i < n; i++) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        b.append("data: ").append(data, start, i).append('\n');
        if (c == '\r' && i + 1 < n && data.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    b.append("data: ").append(data, start, n).append('\n');
  }

  private static void requireSingleLine(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        throw new IllegalArgumentException(what + " contains CR, LF or NUL");
      }
    }
  }
}
