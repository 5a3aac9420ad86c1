package dev.ssegateway.config;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.Setting;
import dev.ssegateway.core.SettingsException;
import dev.ssegateway.core.SettingsValidator;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Environment variables that override keys of the conf file, so a container can change a setting
 * without editing the file. The scheme is one rule: {@code SSE_GATEWAY_} + the key upper-cased, with
 * each {@code .} written as {@code __} (keys already contain single underscores):
 * {@code heartbeat_ms} is {@code SSE_GATEWAY_HEARTBEAT_MS}, {@code http.port} is
 * {@code SSE_GATEWAY_HTTP__PORT}, {@code limits.max_event_bytes} is
 * {@code SSE_GATEWAY_LIMITS__MAX_EVENT_BYTES}.
 *
 * <p>An override wins over the file, at startup and on every reload of the file. Values are text:
 * integer keys take a decimal number, flags {@code true} or {@code false}, text keys the value as is.
 * A bad value is refused like a bad file value, with the variable named in the error. A variable with
 * the prefix that names no key is not an error (other tools may share the prefix) but is reported
 * by {@link #unknown()} so the app can log it.
 */
public final class EnvOverrides {

  /** Prefix of every overriding variable. */
  public static final String PREFIX = "SSE_GATEWAY_";

  /** key to variable name, for the keys that are overridden. */
  private final Map<String, String> variables;
  /** key to raw value. */
  private final Map<String, String> values;
  private final List<String> unknown;

  private EnvOverrides(Map<String, String> variables, Map<String, String> values, List<String> unknown) {
    this.variables = variables;
    this.values = values;
    this.unknown = unknown;
  }

  /** The overrides found in {@code env} (usually {@link System#getenv()}). */
  public static EnvOverrides from(Map<String, String> env) {
    Map<String, String> variables = new TreeMap<>();
    Map<String, String> values = new TreeMap<>();
    List<String> unknown = new ArrayList<>();
    new TreeMap<>(env).forEach((name, value) -> {
      if (!name.startsWith(PREFIX)) {
        return;
      }
      Setting<?> setting = settingFor(name);
      if (setting == null) {
        unknown.add(name);
      } else {
        variables.put(setting.key(), name);
        values.put(setting.key(), value);
      }
    });
    return new EnvOverrides(variables, values, List.copyOf(unknown));
  }

  /** The variable that overrides {@code key}: {@code http.port} gives {@code SSE_GATEWAY_HTTP__PORT}. */
  public static String variableFor(String key) {
    return PREFIX + key.toUpperCase(Locale.ROOT).replace(".", "__");
  }

  private static Setting<?> settingFor(String variable) {
    for (Setting<?> s : GatewaySettings.ALL) {
      if (variableFor(s.key()).equals(variable)) {
        return s;
      }
    }
    return null;
  }

  /** {@code conf} with the overrides of {@code env} applied: the pure function behind {@link #applyTo}. */
  public static JsonObject apply(JsonObject conf, Map<String, String> env) {
    return from(env).applyTo(conf);
  }

  /**
   * A copy of {@code conf} in which every overridden key, whether written flat or nested there, is
   * replaced by the variable's value as a flat key. {@code conf} itself is not changed.
   */
  public JsonObject applyTo(JsonObject conf) {
    JsonObject out = conf == null ? new JsonObject() : conf.copy();
    values.forEach((key, raw) -> {
      remove(out, "", key);
      out.put(key, typed(GatewaySettings.find(key), raw));
    });
    return out;
  }

  /**
   * Validates {@code conf} with the overrides applied. A refused value that came from a variable is
   * reported with the variable's name and raw text first, e.g.
   * {@code SSE_GATEWAY_HEARTBEAT_MS=500: heartbeat_ms: 500 is out of range; allowed: ...}.
   *
   * @throws SettingsException naming every refused key
   */
  public GatewaySettings settings(JsonObject conf) {
    try {
      return SettingsValidator.fromConf(applyTo(conf));
    } catch (SettingsException e) {
      if (e.problems().stream().noneMatch(p -> variables.containsKey(p.key()))) {
        throw e;
      }
      List<SettingsException.Problem> named = new ArrayList<>();
      for (SettingsException.Problem p : e.problems()) {
        String variable = variables.get(p.key());
        named.add(variable == null ? p : new SettingsException.Problem(p.key(), p.value(),
            variable + "=" + shown(p.key()) + ": " + p.message()));
      }
      throw new SettingsException(named);
    }
  }

  /** A variable's raw text for an error message; {@value Setting#MASK} for a secret key. */
  private String shown(String key) {
    Setting<?> setting = GatewaySettings.find(key);
    return setting != null && setting.secret() ? Setting.MASK : values.get(key);
  }

  /** Overridden keys and the variable of each, in key order. */
  public Map<String, String> variables() {
    return Map.copyOf(variables);
  }

  /** Variables with the prefix that name no key (probably typos), in name order. */
  public List<String> unknown() {
    return unknown;
  }

  public boolean isEmpty() {
    return variables.isEmpty();
  }

  /** The variable's text as the JSON type the key expects; left as text when it does not parse. */
  private static Object typed(Setting<?> setting, String raw) {
    String text = raw.trim();
    if (setting.type() == Integer.class) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        return raw;
      }
    }
    if (setting.type() == Boolean.class) {
      if (text.equalsIgnoreCase("true")) {
        return Boolean.TRUE;
      }
      if (text.equalsIgnoreCase("false")) {
        return Boolean.FALSE;
      }
      return raw;
    }
    if (setting.type() == io.vertx.core.json.JsonArray.class) {
      try {
        return new io.vertx.core.json.JsonArray(text);
      } catch (RuntimeException e) {
        return raw;
      }
    }
    return raw;
  }

  /** Removes {@code key} from {@code json} in every form the validator accepts (flat, nested, mixed). */
  private static void remove(JsonObject json, String prefix, String key) {
    Iterator<Map.Entry<String, Object>> it = json.iterator();
    List<String> drop = new ArrayList<>();
    while (it.hasNext()) {
      Map.Entry<String, Object> e = it.next();
      String path = prefix + e.getKey();
      if (path.equals(key)) {
        drop.add(e.getKey());
      } else if (key.startsWith(path + ".")) {
        Object value = e.getValue();
        if (value instanceof JsonObject nested) {
          remove(nested, path + ".", key);
        } else if (value instanceof Map<?, ?>) {
          @SuppressWarnings("unchecked")
          JsonObject nested = new JsonObject((Map<String, Object>) value);
          remove(nested, path + ".", key);
        }
      }
    }
    drop.forEach(json::remove);
  }
}
