package dev.ssegateway.core;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one validator of settings, used for the conf file at startup, for every reload of it and for
 * {@code PUT /admin/config}. It refuses unknown keys, wrong types and out-of-range values, reporting
 * every problem at once; keys starting with {@code _} are comments and ignored.
 */
public final class SettingsValidator {

  private SettingsValidator() {
  }

  /** Settings from a whole conf: defaults for every key not given. */
  public static GatewaySettings fromConf(JsonObject conf) {
    return apply(GatewaySettings.defaults(), conf);
  }

  /** {@code base} with the keys present in {@code changes} replaced; all-or-nothing. */
  public static GatewaySettings apply(GatewaySettings base, JsonObject changes) {
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", changes == null ? new JsonObject() : changes, flat);
    Map<Setting<?>, Object> parsed = new LinkedHashMap<>();
    List<SettingsException> problems = new ArrayList<>();
    flat.forEach((key, raw) -> {
      Setting<?> setting = GatewaySettings.find(key);
      if (setting == null) {
        problems.add(new SettingsException(new SettingsException.Problem(key, raw,
            key + ": unknown key; known keys: " + knownKeys())));
        return;
      }
      try {
        parsed.put(setting, setting.parse(raw));
      } catch (SettingsException e) {
        problems.add(e);
      }
    });
    if (!problems.isEmpty()) {
      throw SettingsException.merge(problems);
    }
    return base.with(parsed);
  }

  private static void flatten(String prefix, JsonObject json, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : json) {
      if (e.getKey().startsWith("_")) {
        continue;
      }
      String key = prefix + e.getKey();
      Object value = e.getValue();
      if (value instanceof JsonObject && GatewaySettings.find(key) == null) {
        flatten(key + ".", (JsonObject) value, out);
      } else if (value instanceof Map && GatewaySettings.find(key) == null) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        flatten(key + ".", new JsonObject(map), out);
      } else {
        out.put(key, value);
      }
    }
  }

  private static String knownKeys() {
    return String.join(", ", GatewaySettings.ALL.stream().map(Setting::key).toList());
  }
}
