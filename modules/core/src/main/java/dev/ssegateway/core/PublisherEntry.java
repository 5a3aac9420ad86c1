package dev.ssegateway.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the {@code publishers} conf key: a user's publisher verticle that the gateway deploys once it
 * serves, {@code instances} times, each with {@code config} as its {@code config()}. The rules of an entry live
 * here, used by {@link GatewaySettings#PUBLISHERS} and by the app that deploys them.
 *
 * @param name      unique among the entries; names the publisher in logs and errors
 * @param className the verticle's fully qualified class name (on the classpath of the gateway process)
 * @param instances how many instances to deploy, 1..64
 * @param config    the verticle's {@code config()}
 */
public record PublisherEntry(String name, String className, int instances, JsonObject config) {

  public static final String NAME = "name";
  public static final String CLASS = "class";
  public static final String INSTANCES = "instances";
  public static final String CONFIG = "config";
  /** Most instances of one publisher. */
  public static final int MAX_INSTANCES = 64;
  /** Most entries. */
  public static final int MAX_ENTRIES = 64;

  private static final Pattern NAME_RULE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
  private static final Pattern CLASS_RULE = Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");
  private static final Set<String> FIELDS = Set.of(NAME, CLASS, INSTANCES, CONFIG);

  /** What {@code publishers} allows, in words (the settings table and every error message). */
  public static final String ALLOWED = "a list of up to " + MAX_ENTRIES + " {\"name\": unique [A-Za-z0-9_.-]{1,64}, "
      + "\"class\": a verticle class name, \"instances\": 1.." + MAX_INSTANCES + " (default 1), \"config\": {...} "
      + "(default {})}";

  /** Null when {@code list} is a valid {@code publishers} value, otherwise the first problem, naming the entry. */
  public static String problem(JsonArray list) {
    if (list.size() > MAX_ENTRIES) {
      return list.size() + " entries, more than " + MAX_ENTRIES;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Object raw = list.getValue(i);
      String at = "entry " + i;
      if (!(raw instanceof JsonObject entry)) {
        return at + " is not an object";
      }
      for (String field : entry.fieldNames()) {
        if (!FIELDS.contains(field) && !field.startsWith("_")) {
          return at + " has unknown field '" + Topics.printable(field) + "'";
        }
      }
      if (!(entry.getValue(NAME) instanceof String name) || !NAME_RULE.matcher(name).matches()) {
        return at + ": name is missing or not [A-Za-z0-9_.-]{1,64}";
      }
      at = "publisher '" + name + "'";
      if (!names.add(name)) {
        return at + " is named twice";
      }
      if (!(entry.getValue(CLASS) instanceof String cls) || !CLASS_RULE.matcher(cls).matches()) {
        return at + ": class is missing or not a Java class name";
      }
      Object instances = entry.getValue(INSTANCES);
      if (instances != null && !(instances instanceof Number n && n.doubleValue() == n.intValue()
          && n.intValue() >= 1 && n.intValue() <= MAX_INSTANCES)) {
        return at + ": instances " + instances + " is not an integer in 1.." + MAX_INSTANCES;
      }
      Object config = entry.getValue(CONFIG);
      if (config != null && !(config instanceof JsonObject)) {
        return at + ": config is not a JSON object";
      }
    }
    return null;
  }

  /** The entries of a valid {@code publishers} value ({@link #problem} null), in order. */
  public static List<PublisherEntry> from(JsonArray list) {
    List<PublisherEntry> entries = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonObject e = list.getJsonObject(i);
      entries.add(new PublisherEntry(e.getString(NAME), e.getString(CLASS), e.getInteger(INSTANCES, 1),
          e.getJsonObject(CONFIG, new JsonObject()).copy()));
    }
    return entries;
  }

  /**
   * Words that make a {@code config} key name a secret, matched in the lower-cased name: {@code password},
   * {@code passwd}, {@code secret}, {@code token}, {@code credential}, {@code key} ({@code apiKey}, {@code db_password},
   * {@code privateKeyFile}).
   */
  public static final List<String> SECRET_WORDS = List.of("password", "passwd", "secret", "token", "credential", "key");

  /** Whether a {@code config} key's value is shown masked: its name contains one of {@link #SECRET_WORDS}. */
  public static boolean secretName(String key) {
    String name = key.toLowerCase(java.util.Locale.ROOT);
    return SECRET_WORDS.stream().anyMatch(name::contains);
  }

  /**
   * {@code publishers} for display: a copy in which, inside each entry's {@code config} (nested objects and arrays
   * included), every value under a {@linkplain #secretName secret name} is {@value Setting#MASK} unless it is null or
   * empty. Anything that is not an entry is left as it is.
   */
  public static JsonArray masked(JsonArray publishers) {
    JsonArray shown = new JsonArray();
    for (Object raw : publishers) {
      if (raw instanceof JsonObject entry && entry.getValue(CONFIG) instanceof JsonObject config) {
        shown.add(entry.copy().put(CONFIG, maskedValue(config)));
      } else {
        shown.add(raw);
      }
    }
    return shown;
  }

  private static Object maskedValue(Object value) {
    if (value instanceof JsonObject object) {
      JsonObject shown = new JsonObject();
      object.forEach(e -> shown.put(e.getKey(), secretName(e.getKey()) && e.getValue() != null
          && !"".equals(e.getValue()) ? Setting.MASK : maskedValue(e.getValue())));
      return shown;
    }
    if (value instanceof JsonArray array) {
      JsonArray shown = new JsonArray();
      array.forEach(v -> shown.add(maskedValue(v)));
      return shown;
    }
    return value;
  }

  /**
   * {@code given} with each {@value Setting#MASK} under a secret name in an entry's {@code config} replaced by the
   * value at the same place in {@code current}'s entry of the same name: the mask {@link #masked} shows, sent back,
   * means "unchanged". A mask with no value at that place in {@code current} stays as it is.
   */
  public static JsonArray unmasked(JsonArray given, JsonArray current) {
    JsonArray result = new JsonArray();
    for (Object raw : given) {
      JsonObject before = raw instanceof JsonObject entry ? entryNamed(current, entry.getValue(NAME)) : null;
      if (before != null && ((JsonObject) raw).getValue(CONFIG) instanceof JsonObject config
          && before.getValue(CONFIG) instanceof JsonObject old) {
        result.add(((JsonObject) raw).copy().put(CONFIG, restored(config, old)));
      } else {
        result.add(raw);
      }
    }
    return result;
  }

  private static JsonObject entryNamed(JsonArray list, Object name) {
    for (Object raw : list) {
      if (raw instanceof JsonObject entry && name != null && name.equals(entry.getValue(NAME))) {
        return entry;
      }
    }
    return null;
  }

  private static Object restored(Object given, Object old) {
    if (given instanceof JsonObject object && old instanceof JsonObject oldObject) {
      JsonObject result = new JsonObject();
      object.forEach(e -> {
        Object before = oldObject.getValue(e.getKey());
        result.put(e.getKey(), Setting.MASK.equals(e.getValue()) && secretName(e.getKey()) && before != null
            ? before : restored(e.getValue(), before));
      });
      return result;
    }
    if (given instanceof JsonArray array && old instanceof JsonArray oldArray) {
      JsonArray result = new JsonArray();
      for (int i = 0; i < array.size(); i++) {
        result.add(restored(array.getValue(i), i < oldArray.size() ? oldArray.getValue(i) : null));
      }
      return result;
    }
    return given;
  }
}
