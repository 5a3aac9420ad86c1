package dev.ssegateway.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.NoSuchFileException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why the conf file could not be read as a JSON object, in one line: {@code invalid_json} with the
 * parser's complaint and its line and column, or {@code file_unreadable} (deleted, no permission).
 * Two scans that fail the same way give equal problems, which is how a broken file is reported once.
 */
record FileProblem(String error, String message, int line, int column) {

  private static final Pattern POSITION = Pattern.compile("line: (\\d+), column: (\\d+)");

  static FileProblem of(Throwable failure) {
    Throwable e = failure;
    while (e.getCause() != null && !(e instanceof DecodeException) && e.getCause() != e) {
      e = e.getCause();
    }
    if (failure instanceof DecodeException || e instanceof DecodeException || isParseError(e)) {
      String text = String.valueOf(e.getMessage());
      Matcher m = POSITION.matcher(text);
      int line = -1;
      int column = -1;
      if (m.find()) {
        line = Integer.parseInt(m.group(1));
        column = Integer.parseInt(m.group(2));
      }
      // the parser quotes an unrecognized token: it may be (part of) a secret written without quotes
      String what = firstLine(text).replaceFirst("^Failed to decode:\\s*", "")
          .replaceAll("Unrecognized token '[^']*'", "Unrecognized token");
      return new FileProblem("invalid_json", what, line, column);
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof NoSuchFileException) {
      return new FileProblem("file_unreadable", "no such file", -1, -1);
    }
    return new FileProblem("file_unreadable", firstLine(root.toString()), -1, -1);
  }

  private static boolean isParseError(Throwable e) {
    return e.getClass().getName().startsWith("com.fasterxml.jackson") || e instanceof ClassCastException;
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return (nl < 0 ? text : text.substring(0, nl)).replace('\r', ' ').replace('"', '\'').trim();
  }

  /** {@code line 3 column 5}, or empty when the parser gave no position. */
  String position() {
    return line < 0 ? "" : "line " + line + " column " + column;
  }

  /** One line for the log and the status: the complaint and where. */
  String describe() {
    return line < 0 ? message : message + " at " + position();
  }

  JsonArray toJson() {
    JsonObject p = new JsonObject().put("message", describe());
    if (line >= 0) {
      p.put("line", line).put("column", column);
    }
    return new JsonArray().add(p);
  }
}
