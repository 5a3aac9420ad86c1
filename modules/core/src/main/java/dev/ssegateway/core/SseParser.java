package dev.ssegateway.core;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An incremental parser of {@code text/event-stream}, following the WHATWG interpretation rules: lines
 * end in CR, LF or CRLF (also across chunk boundaries), {@code data:} lines are joined by LF, an
 * {@code id} containing NUL is ignored, comments are reported separately. Used by the Java client and
 * by every test that reads a stream. Line length is bounded so a hostile server cannot exhaust memory.
 */
public final class SseParser {

  private final Consumer<SseFrame> onFrame;
  private final Consumer<String> onComment;
  private final int maxLineBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private boolean lastWasCr;
  private boolean firstLine = true;
  private String type = "";
  private StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String lastId = "";
  private long retry = -1;

  public SseParser(Consumer<SseFrame> onFrame, Consumer<String> onComment, int maxLineBytes) {
    this.onFrame = onFrame;
    this.onComment = onComment == null ? c -> { } : onComment;
    this.maxLineBytes = maxLineBytes;
  }

  public SseParser(Consumer<SseFrame> onFrame) {
    this(onFrame, null, 16 * 1024 * 1024);
  }

  /** The last event id in force (what a client sends as {@code Last-Event-ID}). */
  public String lastId() {
    return lastId;
  }

  public void lastId(String id) {
    this.lastId = id;
  }

  /** The last {@code retry:} value, or -1. */
  public long retry() {
    return retry;
  }

  /**
   * Feeds bytes.
   *
   * @throws IllegalStateException when a line exceeds the bound (a malformed stream)
   */
  public void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    for (byte b : bytes) {
      if (lastWasCr) {
        lastWasCr = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\r') {
        lastWasCr = true;
        endLine();
      } else if (b == '\n') {
        endLine();
      } else {
        if (line.size() >= maxLineBytes) {
          throw new IllegalStateException("SSE line longer than " + maxLineBytes + " bytes");
        }
        line.write(b);
      }
    }
  }

  private void endLine() {
    byte[] raw = line.toByteArray();
    line.reset();
    String text = new String(raw, StandardCharsets.UTF_8);
    if (firstLine) {
      firstLine = false;
      if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
        text = text.substring(1);
      }
    }
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      onComment.accept(text.substring(1).stripLeading());
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> type = value;
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastId = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() < 12) {
          retry = Long.parseLong(value);
        }
      }
      default -> { }
    }
  }

  private void dispatch() {
    if (hasData) {
      onFrame.accept(new SseFrame(type.isEmpty() ? "message" : type, data.toString(), lastId, retry));
    }
    type = "";
    data = new StringBuilder();
    hasData = false;
  }
}
