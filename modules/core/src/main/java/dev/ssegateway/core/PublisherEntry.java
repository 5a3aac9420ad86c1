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
}
