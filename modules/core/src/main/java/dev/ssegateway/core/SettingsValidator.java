package dev.ssegateway.core;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one validator of settings, used for the conf file at startup, for every reload of it and for
 * {@code PUT /admin/config}. It refuses unknown keys, wrong types and out-of-range values, reporting
 * every problem at once; keys starting with {@code _} are comments and ignored. A refused secret value is
 * never repeated in a problem (see {@link Setting#asSecret()}).
 */
public final class SettingsValidator {

  private SettingsValidator() {
  }

  /** Settings from a whole conf: defaults for every key not given. */
  public static GatewaySettings fromConf(JsonObject conf) {
    return apply(GatewaySettings.defaults(), conf);
  }

  /**
   * {@code base} with the keys present in {@code changes} replaced; all-or-nothing. A {@link Setting#secret()
   * secret} given as {@value Setting#MASK} keeps its value in {@code base} (refused when that is empty).
   */
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
      if (setting.secret() && Setting.MASK.equals(raw)) {
        // the mask that GET /admin/config shows, sent back (flat or nested): "unchanged"
        if ("".equals(base.get(setting))) {
          problems.add(new SettingsException(new SettingsException.Problem(key, Setting.MASK, key + ": "
              + Setting.MASK + " is how a set secret is shown, and means 'unchanged'; " + key
              + " is not set, so give the secret itself")));
        }
        return;
      }
      // the masks GET /admin/config shows in a publisher's config, sent back: "unchanged"
      Object value = setting == GatewaySettings.PUBLISHERS && raw instanceof io.vertx.core.json.JsonArray given
          ? PublisherEntry.unmasked(given, base.get(GatewaySettings.PUBLISHERS)) : raw;
      try {
        parsed.put(setting, setting.parse(value));
      } catch (SettingsException e) {
        problems.add(setting == GatewaySettings.PUBLISHERS ? maskedPublishers(e) : e);
      }
    });
    if (!problems.isEmpty()) {
      throw SettingsException.merge(problems);
    }
    return base.with(parsed);
  }

  /** A refused {@code publishers} value is repeated with its configs masked ({@link PublisherEntry#masked}). */
  private static SettingsException maskedPublishers(SettingsException e) {
    return new SettingsException(e.problems().stream().map(p -> p.value() instanceof io.vertx.core.json.JsonArray list
        ? new SettingsException.Problem(p.key(), PublisherEntry.masked(list), p.message()) : p).toList());
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
