package dev.ssegateway.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One configuration key: its name, type, default, allowed range and whether it reloads live.
 * Validation, documentation and {@code /admin/config} all read from these descriptors, so a key's
 * rules exist in exactly one place.
 *
 * @param <T> the Java type of the value ({@link Integer}, {@link String}, {@link Boolean} or {@link JsonArray})
 */
public final class Setting<T> {

  /** What a secret's value is shown as (when set), and what, sent back as a value, means "unchanged". */
  public static final String MASK = "***";

  /** Whether a changed value takes effect while the gateway runs. */
  public enum Reload { LIVE, RESTART }

  private final String key;
  private final Class<T> type;
  private final T defaultValue;
  private final long min;
  private final long max;
  private final Pattern pattern;
  private final List<String> choices;
  private final Reload reload;
  private final String meaning;
  private final boolean secret;
  /** A list key's check of its value: null when valid, otherwise the problem in words. */
  private final Function<JsonArray, String> listRule;
  /** A list key's allowed values in words. */
  private final String listAllowed;

  private Setting(String key, Class<T> type, T defaultValue, long min, long max, Pattern pattern,
                  List<String> choices, Reload reload, String meaning) {
    this(key, type, defaultValue, min, max, pattern, choices, reload, meaning, false, null, null);
  }

  private Setting(String key, Class<T> type, T defaultValue, long min, long max, Pattern pattern,
                  List<String> choices, Reload reload, String meaning, boolean secret,
                  Function<JsonArray, String> listRule, String listAllowed) {
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.min = min;
    this.max = max;
    this.pattern = pattern;
    this.choices = choices;
    this.reload = reload;
    this.meaning = meaning;
    this.secret = secret;
    this.listRule = listRule;
    this.listAllowed = listAllowed;
  }

  /**
   * This key marked secret: its value is shown as {@value #MASK} wherever settings are displayed or logged,
   * a refused value is never repeated, and {@value #MASK} given as a new value means "unchanged".
   */
  public Setting<T> asSecret() {
    return new Setting<>(key, type, defaultValue, min, max, pattern, choices, reload, meaning, true, listRule,
        listAllowed);
  }

  public static Setting<Integer> integer(String key, int defaultValue, int min, int max, Reload reload, String meaning) {
    return new Setting<>(key, Integer.class, defaultValue, min, max, null, null, reload, meaning);
  }

  public static Setting<String> text(String key, String defaultValue, String regex, Reload reload, String meaning) {
    return new Setting<>(key, String.class, defaultValue, 0, 0, Pattern.compile(regex), null, reload, meaning);
  }

  public static Setting<String> choice(String key, String defaultValue, List<String> choices, Reload reload, String meaning) {
    return new Setting<>(key, String.class, defaultValue, 0, 0, null, List.copyOf(choices), reload, meaning);
  }

  public static Setting<Boolean> flag(String key, boolean defaultValue, Reload reload, String meaning) {
    return new Setting<>(key, Boolean.class, defaultValue, 0, 0, null, null, reload, meaning);
  }

  /**
   * A key whose value is a JSON array (default empty), checked as a whole by {@code rule} (null when valid,
   * otherwise the problem in words); {@code allowed} describes the valid values.
   */
  public static Setting<JsonArray> list(String key, String allowed, Function<JsonArray, String> rule, Reload reload,
                                        String meaning) {
    return new Setting<>(key, JsonArray.class, new JsonArray(), 0, 0, null, null, reload, meaning, false, rule,
        allowed);
  }

  public String key() { return key; }
  public T defaultValue() { return defaultValue; }
  public Reload reload() { return reload; }
  public boolean live() { return reload == Reload.LIVE; }
  public String meaning() { return meaning; }
  public Class<T> type() { return type; }
  public boolean secret() { return secret; }

  /** The allowed values in words, as printed in every error message about this key. */
  public String allowed() {
    if (type == Integer.class) {
      return "an integer in " + min + ".." + max;
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    if (choices != null) {
      return "one of " + String.join(", ", choices);
    }
    if (listRule != null) {
      return listAllowed;
    }
    return "a string matching " + pattern.pattern();
  }

  /**
   * Checks a raw JSON value against this key's type and range.
   *
   * @throws SettingsException naming the key, the value and the allowed range
   */
  public T parse(Object raw) {
    if (raw == null) {
      throw invalid(null, "must not be null");
    }
    if (type == Integer.class) {
      if (!(raw instanceof Number)) {
        throw invalid(raw, "is not a number");
      }
      Number n = (Number) raw;
      double d = n.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw invalid(raw, "is not an integer");
      }
      if (d < min || d > max) {
        throw invalid(raw, "is out of range");
      }
      return type.cast((int) d);
    }
    if (type == Boolean.class) {
      if (!(raw instanceof Boolean)) {
        throw invalid(raw, "is not a boolean");
      }
      return type.cast(raw);
    }
    if (type == JsonArray.class) {
      JsonArray array = raw instanceof JsonArray a ? a : raw instanceof List<?> l ? new JsonArray(l) : null;
      if (array == null) {
        throw invalid(raw, "is not a JSON array");
      }
      String problem = listRule.apply(array);
      if (problem != null) {
        throw new SettingsException(new SettingsException.Problem(key, raw, key + ": " + problem + "; allowed: "
            + allowed()));
      }
      return type.cast(array.copy());
    }
    if (!(raw instanceof String)) {
      throw invalid(raw, "is not a string");
    }
    String s = (String) raw;
    if (choices != null ? !choices.contains(s) : !pattern.matcher(s).matches()) {
      throw invalid(raw, "is not allowed");
    }
    return type.cast(s);
  }

  private SettingsException invalid(Object raw, String what) {
    if (secret) {
      // never repeat a secret, not even a refused one: it may be the real secret with a typo
      return new SettingsException(new SettingsException.Problem(key, MASK,
          key + ": the given value (" + MASK + ", not shown: secret) " + what + "; allowed: " + allowed()));
    }
    String shown = raw instanceof String ? '"' + (String) raw + '"' : String.valueOf(raw);
    return new SettingsException(new SettingsException.Problem(key, raw,
        key + ": " + shown + " " + what + "; allowed: " + allowed() + " (default " + defaultValue + ")"));
  }

  /** This descriptor as JSON, for {@code /admin/config} and the docs. */
  public JsonObject describe() {
    JsonObject json = new JsonObject()
        .put("key", key)
        .put("default", defaultValue)
        .put("allowed", allowed())
        .put("reload", reload == Reload.LIVE ? "live" : "restart")
        .put("meaning", meaning);
    if (choices != null) {
      json.put("choices", new JsonArray(choices));
    }
    if (secret) {
      json.put("secret", true);
    }
    return json;
  }

  @Override
  public String toString() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Setting && ((Setting<?>) o).key.equals(key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key);
  }
}
