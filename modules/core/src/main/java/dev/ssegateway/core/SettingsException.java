package dev.ssegateway.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A refused configuration: every problem names the key, the offending value and what is allowed.
 * The same message reaches the startup error, the reload log line and the admin endpoint's 400.
 */
public final class SettingsException extends RuntimeException {

  /** One refused key. */
  public record Problem(String key, Object value, String message) {
    public JsonObject toJson() {
      return new JsonObject().put("key", key).put("value", value).put("message", message);
    }
  }

  private final List<Problem> problems;

  public SettingsException(Problem problem) {
    this(List.of(problem));
  }

  public SettingsException(List<Problem> problems) {
    super(problems.stream().map(Problem::message).collect(Collectors.joining("; ")), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public static SettingsException merge(List<SettingsException> all) {
    List<Problem> problems = new ArrayList<>();
    all.forEach(e -> problems.addAll(e.problems));
    return new SettingsException(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  /** The JSON error body used by every endpoint that refuses settings. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("error", "invalid_settings")
        .put("message", getMessage())
        .put("problems", new JsonArray(problems.stream().map(Problem::toJson).collect(Collectors.toList())));
  }
}
