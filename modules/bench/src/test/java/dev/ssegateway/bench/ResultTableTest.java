package dev.ssegateway.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * h2-fanout's results (one file per server and protocol, {@code --variant http1|http2}) make one table with a column
 * per server and protocol and the ratio gateway / Nchan per protocol; a scenario without variants keeps its table.
 */
class ResultTableTest {

  private static Path result(Path dir, String label, String target, String variant, long deliveries) throws Exception {
    JsonObject params = new JsonObject().put("label", label).put("streams", "1000");
    if (variant != null) {
      params.put("variant", variant).put("http2", "10").put("tls", "true");
    }
    JsonObject r = new JsonObject().put("scenario", "max-rate").put("target", target).put("params", params)
        .put("table", new JsonArray().add(new JsonArray().add("deliveries/s").add(deliveries)));
    Path f = dir.resolve(label + "." + target + (variant == null ? "" : "-" + variant) + ".json");
    Files.writeString(f, r.encode());
    return f;
  }

  @Test
  void variantsAreColumnsWithARatioPerProtocol(@TempDir Path tmp) throws Exception {
    List<Path> files = new ArrayList<>(List.of(
        result(tmp, "h2-fanout", Target.NCHAN, "http2", 200),
        result(tmp, "h2-fanout", Target.GATEWAY, "http1", 800),
        result(tmp, "h2-fanout", Target.NCHAN, "http1", 400),
        result(tmp, "h2-fanout", Target.GATEWAY, "http2", 500)));

    String table = ResultTable.render(files);

    assertTrue(table.startsWith("### h2-fanout  (streams=1000)\n"), table);
    assertTrue(table.contains("| measure | gateway http1 | gateway http2 | nchan http1 | nchan http2 "
        + "| gateway / nchan http1 | gateway / nchan http2 |\n"), table);
    assertTrue(table.contains("| deliveries/s | 800 | 500 | 400 | 200 | 2.00 | 2.50 |\n"), table);
  }

  @Test
  void withoutVariantsTheTableIsAColumnPerServer(@TempDir Path tmp) throws Exception {
    String table = ResultTable.render(List.of(result(tmp, "max-rate", Target.GATEWAY, null, 800),
        result(tmp, "max-rate", Target.NCHAN, null, 400)));

    assertTrue(table.contains("| measure | gateway | nchan | gateway / nchan | gateway / raw |\n"), table);
    assertTrue(table.contains("| deliveries/s | 800 | 400 | 2.00 | - |\n"), table);
    assertEquals(1, table.split("### ", -1).length - 1, table);
  }
}
