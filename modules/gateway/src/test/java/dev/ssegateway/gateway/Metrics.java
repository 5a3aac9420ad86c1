package dev.ssegateway.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/** One scrape of {@code /metrics}, parsed: series (name with labels, as exposed) to value. */
record Metrics(Map<String, Double> series) {

  static Metrics parse(String text) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return new Metrics(out);
  }

  /** The value of {@code series} (e.g. {@code sse_open_streams{topics="1"}}), 0 when absent. */
  double get(String series) {
    return series().getOrDefault(series, 0.0);
  }

  /** How much {@code series} grew from {@code before} to this scrape. */
  double delta(Metrics before, String series) {
    return get(series) - before.get(series);
  }
}
