package dev.ssegateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.internal.chartpart.Chart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The charts are made from the result files the tables come from: from a small fixed run (max-rate and idle for
 * gateway and Nchan, h2-fanout with a column per server and protocol, capacity), each expected SVG file is written
 * as a PNG image with one series per server (and protocol), under the expected axis title.
 */
class ChartWriterTest {

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  private static JsonObject ramp(String label, String target, String variant, double... p99ByStep) {
    JsonArray steps = new JsonArray();
    double rate = 4;
    for (double p99 : p99ByStep) {
      steps.add(new JsonObject().put("rate", rate).put("p99Ms", p99).put("deliveriesPerS", rate * 100));
      rate = Math.ceil(rate * 1.5);
    }
    JsonObject params = new JsonObject().put("label", label).put("streams", "100").put("max-p99-ms", "250");
    if (variant != null) {
      params.put("variant", variant);
    }
    return new JsonObject().put("scenario", "max-rate").put("target", target).put("params", params)
        .put("steps", steps).put("table", new JsonArray().add(new JsonArray().add("streams ok").add(100)));
  }

  private static JsonObject idle(String label, String target, boolean heap) {
    JsonArray table = new JsonArray()
        .add(new JsonArray().add("streams ok").add(500))
        .add(new JsonArray().add("RSS KiB per stream").add(20.5))
        .add(new JsonArray().add("PSS KiB per stream").add(18.25));
    if (heap) {
      table.add(new JsonArray().add("heap KiB per stream").add(4.5));
    }
    JsonArray held = new JsonArray().add(new JsonArray().add(0).add(0)).add(new JsonArray().add(1000).add(300))
        .add(new JsonArray().add(2000).add(500));
    return new JsonObject().put("scenario", "idle").put("target", target)
        .put("params", new JsonObject().put("label", label)).put("table", table).put("held", held);
  }

  private static List<Path> files(Path dir, JsonObject... results) throws Exception {
    List<Path> files = new ArrayList<>();
    for (JsonObject r : results) {
      Path f = dir.resolve(r.getJsonObject("params").getString("label") + "." + ResultTable.column(r)
          .replace(' ', '-') + ".json");
      Files.writeString(f, r.encodePrettily());
      files.add(f);
    }
    return files;
  }

  @Test
  void writesOneSvgPerChartWithASeriesPerServerAndProtocol(@TempDir Path tmp) throws Exception {
    List<Path> files = files(tmp,
        ramp("max-rate", Target.GATEWAY, null, 10, 20, 300),
        ramp("max-rate", Target.NCHAN, null, 15, 400),
        ramp("h2-fanout", Target.GATEWAY, "http1", 10, 300),
        ramp("h2-fanout", Target.GATEWAY, "http2", 12, 30, 400),
        ramp("h2-fanout", Target.NCHAN, "http1", 9, 500),
        ramp("h2-fanout", Target.NCHAN, "http2", 11, 600),
        idle("idle", Target.GATEWAY, true),
        idle("idle", Target.NCHAN, false),
        idle("capacity", Target.GATEWAY, true));
    Path out = tmp.resolve("charts");

    Map<Path, Chart<?, ?>> written = ChartWriter.write(out, files);

    Set<String> names = new TreeSet<>();
    written.keySet().forEach(p -> names.add(p.getFileName().toString()));
    assertEquals(new TreeSet<>(List.of("max-rate-p99.png", "max-rate-deliveries.png", "h2-fanout-p99.png",
        "h2-fanout-deliveries.png", "idle-memory.png", "idle-held.png", "capacity-memory.png", "capacity-held.png")),
        names);
    for (Path p : written.keySet()) {
      assertEquals(out, p.getParent());
      byte[] png = Files.readAllBytes(p);
      assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', p + " is not a PNG image");
      java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(p.toFile());
      assertEquals(800, image.getWidth());
      assertEquals(480, image.getHeight());
    }
    assertSeries(written, "max-rate-p99.png", "latency p99 ms", "gateway", "nchan", "p99 limit 250 ms");
    assertSeries(written, "max-rate-deliveries.png", "deliveries/s", "gateway", "nchan");
    assertSeries(written, "h2-fanout-p99.png", "latency p99 ms", "gateway http1", "gateway http2", "nchan http1",
        "nchan http2", "p99 limit 250 ms");
    assertSeries(written, "h2-fanout-deliveries.png", "deliveries/s", "gateway http1", "gateway http2",
        "nchan http1", "nchan http2");
    assertSeries(written, "idle-memory.png", "KiB per stream", "RSS", "PSS", "heap");
    assertSeries(written, "idle-held.png", "streams held", "gateway", "nchan");
    assertSeries(written, "capacity-held.png", "streams held", "gateway");
  }

  @Test
  void aChartHasExactlyTheSeriesOfItsResults() throws Exception {
    Map<String, Chart<?, ?>> charts = ChartWriter.charts(List.of(
        ramp("h2-fanout", Target.GATEWAY, "http1", 10, 300),
        ramp("h2-fanout", Target.NCHAN, "http2", 11, 600),
        idle("idle", Target.GATEWAY, true),
        idle("idle", Target.NCHAN, false),
        new JsonObject().put("scenario", "publisher").put("target", Target.GATEWAY)
            .put("params", new JsonObject().put("label", "publisher").put("max-p99-ms", "250"))
            .put("http", ramp("x", Target.GATEWAY, null, 10, 20)).put("inProcess", ramp("x", Target.GATEWAY, null, 5)),
        new JsonObject().put("scenario", "fanout").put("target", Target.GATEWAY)
            .put("params", new JsonObject().put("label", "fanout-1k")).put("table", new JsonArray())));

    assertEquals(Set.of("h2-fanout-p99", "h2-fanout-deliveries", "publisher-p99", "publisher-deliveries",
        "idle-memory", "idle-held"), charts.keySet());
    assertEquals(Set.of("gateway HTTP ingest", "gateway in-process"),
        charts.get("publisher-deliveries").getSeriesMap().keySet());
    assertEquals(Set.of("gateway http1", "nchan http2"), charts.get("h2-fanout-deliveries").getSeriesMap().keySet());
    assertEquals(Set.of("gateway http1", "nchan http2", "p99 limit 250 ms"),
        charts.get("h2-fanout-p99").getSeriesMap().keySet());
    assertEquals(Set.of("RSS", "PSS", "heap"), charts.get("idle-memory").getSeriesMap().keySet());
    assertEquals(Set.of("gateway", "nchan"), charts.get("idle-held").getSeriesMap().keySet());
    org.knowm.xchart.XYSeries gateway = (org.knowm.xchart.XYSeries) charts.get("h2-fanout-p99").getSeriesMap()
        .get("gateway http1");
    assertEquals(List.of(4.0, 6.0), java.util.Arrays.stream(gateway.getXData()).boxed().toList());
    assertEquals(List.of(10.0, 300.0), java.util.Arrays.stream(gateway.getYData()).boxed().toList());
  }

  private static void assertSeries(Map<Path, Chart<?, ?>> written, String file, String yTitle, String... series) {
    Chart<?, ?> chart = written.entrySet().stream().filter(e -> e.getKey().getFileName().toString().equals(file))
        .findFirst().orElseThrow().getValue();
    assertEquals(yTitle, chart.getYAxisTitle(), file);
    assertEquals(Set.of(series), chart.getSeriesMap().keySet(), file);
  }
}
