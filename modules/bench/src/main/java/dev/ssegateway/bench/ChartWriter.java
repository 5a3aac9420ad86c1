package dev.ssegateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Charts (PNG, with XChart: its SVG draws text as outlines, ten times the size of the PNG) from the same result files {@link ResultTable} makes its tables from, one set per
 * scenario label, a series per column of the table (server, and protocol where a scenario runs several):
 *
 * <ul>
 *   <li>a ramp ({@code max-rate}, {@code h2-fanout}, {@code publisher}): {@code <label>-p99.png} and
 *   {@code <label>-deliveries.png}, p99 latency and deliveries/s against the offered events/s of each step;</li>
 *   <li>{@code idle} and {@code capacity}: {@code <label>-memory.png}, KiB per idle stream (RSS, PSS, and heap
 *   where measured) per server, and {@code <label>-held.png}, the streams held against time (from the server's
 *   open files, sampled each second while the streams open and are held).</li>
 * </ul>
 * Other scenarios have no chart.
 */
final class ChartWriter {

  private static final int WIDTH = 800;
  private static final int HEIGHT = 480;
  private static final List<String> MEMORY_ROWS = List.of("RSS KiB per stream", "PSS KiB per stream",
      "heap KiB per stream");

  private ChartWriter() {
  }

  /** Writes the charts of {@code files} into {@code dir} (made if missing); returns the files written and their charts. */
  static Map<Path, Chart<?, ?>> write(Path dir, List<Path> files) throws IOException {
    List<JsonObject> results = new ArrayList<>();
    for (Path f : files) {
      results.add(new JsonObject(Files.readString(f)));
    }
    Files.createDirectories(dir);
    Map<Path, Chart<?, ?>> written = new LinkedHashMap<>();
    for (Map.Entry<String, Chart<?, ?>> e : charts(results).entrySet()) {
      Path out = dir.resolve(e.getKey() + ".png");
      BitmapEncoder.saveBitmap(e.getValue(), out.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.put(out, e.getValue());
    }
    return written;
  }

  /** The charts of some results, by file name without extension. */
  static Map<String, Chart<?, ?>> charts(List<JsonObject> results) {
    Map<String, Map<String, JsonObject>> byLabel = new LinkedHashMap<>();
    for (JsonObject r : results) {
      String label = r.getJsonObject("params").getString("label", r.getString("scenario"));
      byLabel.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(ResultTable.column(r), r);
    }
    Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, JsonObject>> e : byLabel.entrySet()) {
      String label = e.getKey();
      Map<String, JsonObject> columns = e.getValue();
      String scenario = columns.values().iterator().next().getString("scenario");
      switch (scenario) {
        case "max-rate", "publisher" -> {
          Map<String, JsonArray> ramps = ramps(columns);
          if (!ramps.isEmpty()) {
            Object streams = columns.values().iterator().next().getJsonObject("params").getValue("streams", "?");
            XYChart p99 = ramp(label + ": p99 latency by offered rate (" + streams + " streams)",
                "latency p99 ms", ramps, "p99Ms");
            limit(p99, columns.values().iterator().next().getJsonObject("params").getValue("max-p99-ms"));
            charts.put(label + "-p99", p99);
            charts.put(label + "-deliveries", ramp(label + ": deliveries/s by offered rate (" + streams + " streams)",
                "deliveries/s", ramps, "deliveriesPerS"));
          }
        }
        case "idle" -> {
          CategoryChart memory = memory(label, columns);
          if (memory != null) {
            charts.put(label + "-memory", memory);
          }
          XYChart held = held(label, columns);
          if (held != null) {
            charts.put(label + "-held", held);
          }
        }
        default -> {
          // no chart for this scenario
        }
      }
    }
    return charts;
  }

  /** The steps of each column's ramp; the publisher scenario's two ramps are two series. */
  private static Map<String, JsonArray> ramps(Map<String, JsonObject> columns) {
    Map<String, JsonArray> ramps = new LinkedHashMap<>();
    for (Map.Entry<String, JsonObject> c : columns.entrySet()) {
      JsonObject r = c.getValue();
      if (r.getJsonArray("steps") != null) {
        ramps.put(c.getKey(), r.getJsonArray("steps"));
      }
      if (r.getJsonObject("http") != null) {
        ramps.put(c.getKey() + " HTTP ingest", r.getJsonObject("http").getJsonArray("steps"));
      }
      if (r.getJsonObject("inProcess") != null) {
        ramps.put(c.getKey() + " in-process", r.getJsonObject("inProcess").getJsonArray("steps"));
      }
    }
    ramps.values().removeIf(s -> s == null || s.isEmpty());
    return ramps;
  }

  private static XYChart ramp(String title, String yTitle, Map<String, JsonArray> ramps, String field) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("offered events/s (each to every stream)").yAxisTitle(yTitle).build();
    style(chart.getStyler());
    for (Map.Entry<String, JsonArray> s : ramps.entrySet()) {
      int n = s.getValue().size();
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        JsonObject step = s.getValue().getJsonObject(i);
        x[i] = step.getDouble("rate");
        y[i] = step.getDouble(field);
      }
      chart.addSeries(s.getKey(), x, y);
    }
    return chart;
  }

  /** The ramp's stop line, p99 = {@code max-p99-ms}, across the rates of the chart's series. */
  private static void limit(XYChart chart, Object limitMs) {
    if (limitMs == null) {
      return;
    }
    double limit = Double.parseDouble(String.valueOf(limitMs));
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (org.knowm.xchart.XYSeries s : chart.getSeriesMap().values()) {
      for (double x : s.getXData()) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (lo >= hi) { // every ramp stopped at its first step: a short line around it
      lo = lo * 0.9;
      hi = hi * 1.1;
    }
    chart.addSeries("p99 limit " + Math.round(limit) + " ms", new double[] {lo, hi}, new double[] {limit, limit})
        .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE).setLineColor(java.awt.Color.RED);
  }

  /** KiB per idle stream per server, from the table's rows; null when no result has them. */
  private static CategoryChart memory(String label, Map<String, JsonObject> columns) {
    Map<String, Map<String, Double>> byRow = new LinkedHashMap<>();
    for (Map.Entry<String, JsonObject> c : columns.entrySet()) {
      for (Object o : c.getValue().getJsonArray("table", new JsonArray())) {
        JsonArray row = (JsonArray) o;
        if (MEMORY_ROWS.contains(row.getString(0)) && row.getValue(1) instanceof Number v) {
          byRow.computeIfAbsent(row.getString(0), k -> new LinkedHashMap<>()).put(c.getKey(), v.doubleValue());
        }
      }
    }
    if (byRow.isEmpty()) {
      return null;
    }
    List<String> servers = new ArrayList<>(columns.keySet());
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title(label + ": memory per idle stream").xAxisTitle("server").yAxisTitle("KiB per stream").build();
    style(chart.getStyler());
    for (String row : MEMORY_ROWS) {
      Map<String, Double> values = byRow.get(row);
      if (values == null) {
        continue;
      }
      List<Double> y = new ArrayList<>();
      servers.forEach(s -> y.add(values.getOrDefault(s, 0.0))); // a server that has no heap (nginx) shows 0
      chart.addSeries(row.replace(" KiB per stream", ""), servers, y);
    }
    return chart;
  }

  /** Streams held against seconds since the scenario started opening them; null when not sampled. */
  private static XYChart held(String label, Map<String, JsonObject> columns) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(label + ": streams held")
        .xAxisTitle("seconds since the streams started opening").yAxisTitle("streams held").build();
    style(chart.getStyler());
    boolean any = false;
    for (Map.Entry<String, JsonObject> c : columns.entrySet()) {
      JsonArray held = c.getValue().getJsonArray("held");
      if (held == null || held.isEmpty()) {
        continue;
      }
      double[] x = new double[held.size()];
      double[] y = new double[held.size()];
      for (int i = 0; i < held.size(); i++) {
        JsonArray point = held.getJsonArray(i);
        x[i] = point.getLong(0) / 1000.0;
        y[i] = point.getLong(1);
      }
      chart.addSeries(c.getKey(), x, y).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
      any = true;
    }
    return any ? chart : null;
  }

  private static void style(Styler s) {
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartBackgroundColor(java.awt.Color.WHITE);
  }
}
