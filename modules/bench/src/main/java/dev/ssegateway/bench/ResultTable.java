package dev.ssegateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One Markdown table per scenario from the result files of one run: a row per measure, a column per
 * server (gateway, Nchan, raw) and the ratios gateway / Nchan and gateway / raw.
 */
final class ResultTable {

  private static final List<String> ORDER = List.of(Target.GATEWAY, Target.NCHAN, Target.RAW);

  private ResultTable() {
  }

  static String render(List<Path> files) throws IOException {
    Map<String, Map<String, JsonObject>> byLabel = new LinkedHashMap<>();
    for (Path f : files) {
      JsonObject r = new JsonObject(Files.readString(f));
      String label = r.getJsonObject("params").getString("label", r.getString("scenario"));
      byLabel.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(column(r), r);
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Map<String, JsonObject>> e : byLabel.entrySet()) {
      out.append(table(e.getKey(), e.getValue())).append('\n');
    }
    return out.toString();
  }

  /**
   * A result's column: its server, and its variant where one scenario runs several (h2-fanout's {@code http1} and
   * {@code http2} legs, {@code --variant}): {@code "gateway http2"}.
   */
  static String column(JsonObject r) {
    String variant = r.getJsonObject("params").getString("variant");
    return variant == null ? r.getString("target") : r.getString("target") + " " + variant;
  }

  private static String table(String label, Map<String, JsonObject> results) {
    if (results.values().stream().anyMatch(r -> r.getJsonObject("params").containsKey("variant"))) {
      return variantTable(label, results);
    }
    List<String> targets = new ArrayList<>();
    ORDER.stream().filter(results::containsKey).forEach(targets::add);
    Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
    for (String t : targets) {
      for (Object o : results.get(t).getJsonArray("table")) {
        JsonArray row = (JsonArray) o;
        rows.computeIfAbsent(row.getString(0), k -> new LinkedHashMap<>()).put(t, row.getValue(1));
      }
    }
    JsonObject params = results.get(targets.get(0)).getJsonObject("params").copy();
    params.remove("label");
    StringBuilder b = new StringBuilder();
    b.append("### ").append(label).append("  (").append(paramsText(params)).append(")\n\n");
    b.append("| measure |");
    targets.forEach(t -> b.append(' ').append(t).append(" |"));
    b.append(" gateway / nchan | gateway / raw |\n|---|");
    targets.forEach(t -> b.append("---:|"));
    b.append("---:|---:|\n");
    for (Map.Entry<String, Map<String, Object>> r : rows.entrySet()) {
      b.append("| ").append(r.getKey()).append(" |");
      for (String t : targets) {
        b.append(' ').append(format(r.getValue().get(t))).append(" |");
      }
      b.append(' ').append(ratio(r.getValue().get(Target.GATEWAY), r.getValue().get(Target.NCHAN))).append(" |");
      b.append(' ').append(ratio(r.getValue().get(Target.GATEWAY), r.getValue().get(Target.RAW))).append(" |\n");
    }
    return b.toString();
  }

  /** Columns by server, then variant; a ratio gateway / nchan per variant that both ran. */
  private static String variantTable(String label, Map<String, JsonObject> results) {
    List<String> columns = new ArrayList<>(results.keySet());
    columns.sort(java.util.Comparator.comparing((String c) -> ORDER.indexOf(results.get(c).getString("target")))
        .thenComparing(c -> c));
    List<String> variants = new ArrayList<>();
    for (String c : columns) {
      String v = results.get(c).getJsonObject("params").getString("variant", "");
      if (!variants.contains(v) && results.containsKey(Target.GATEWAY + " " + v)
          && results.containsKey(Target.NCHAN + " " + v)) {
        variants.add(v);
      }
    }
    Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
    for (String c : columns) {
      for (Object o : results.get(c).getJsonArray("table")) {
        JsonArray row = (JsonArray) o;
        rows.computeIfAbsent(row.getString(0), k -> new LinkedHashMap<>()).put(c, row.getValue(1));
      }
    }
    JsonObject params = results.get(columns.get(0)).getJsonObject("params").copy();
    params.remove("label");
    params.remove("variant");
    params.remove("http2");
    params.remove("tls");
    StringBuilder b = new StringBuilder();
    b.append("### ").append(label).append("  (").append(paramsText(params)).append(")\n\n| measure |");
    columns.forEach(c -> b.append(' ').append(c).append(" |"));
    variants.forEach(v -> b.append(" gateway / nchan ").append(v).append(" |"));
    b.append("\n|---|");
    columns.forEach(c -> b.append("---:|"));
    variants.forEach(v -> b.append("---:|"));
    b.append('\n');
    for (Map.Entry<String, Map<String, Object>> r : rows.entrySet()) {
      b.append("| ").append(r.getKey()).append(" |");
      for (String c : columns) {
        b.append(' ').append(format(r.getValue().get(c))).append(" |");
      }
      for (String v : variants) {
        b.append(' ').append(ratio(r.getValue().get(Target.GATEWAY + " " + v), r.getValue().get(Target.NCHAN + " " + v)))
            .append(" |");
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String paramsText(JsonObject params) {
    List<String> parts = new ArrayList<>();
    params.fieldNames().stream().sorted().forEach(k -> parts.add(k + "=" + params.getValue(k)));
    return String.join(", ", parts);
  }

  private static String format(Object v) {
    if (v == null) {
      return "-";
    }
    if (v instanceof Double d) {
      return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
    }
    return String.valueOf(v);
  }

  private static String ratio(Object a, Object b) {
    if (!(a instanceof Number x) || !(b instanceof Number y) || y.doubleValue() == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f", x.doubleValue() / y.doubleValue());
  }
}
