package dev.ssegateway.app;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.Setting;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration table (docs/configuration.md, linked from the README) says what the code does: every key, its
 * default, range and reload mode.
 */
class ReadmeSettingsTest {

  @Test
  void everySettingIsDocumentedWithItsDefaultRangeAndReloadMode() throws Exception {
    Path table = Path.of(System.getProperty("project.root", "../.."), "docs", "configuration.md");
    Map<String, String[]> rows = new HashMap<>();
    for (String line : Files.readAllLines(table)) {
      if (line.startsWith("| `") && line.split("\\|").length >= 6) {
        String[] cells = line.split("\\|");
        rows.put(cells[1].trim().replace("`", ""), cells);
      }
    }
    for (Setting<?> s : GatewaySettings.ALL) {
      String[] row = rows.get(s.key());
      assertNotNull(row, "docs/configuration.md settings table lacks " + s.key());
      String def = row[2].trim().replace("`", "");
      assertTrue(def.startsWith(String.valueOf(s.defaultValue()).isEmpty() ? "\"\"" : String.valueOf(s.defaultValue())),
          s.key() + " default in docs/configuration.md: " + def + ", in code: " + s.defaultValue());
      assertEquals(s.live() ? "live" : "restart", row[4].trim(), s.key() + " reload mode");
      String allowed = s.allowed();
      if (allowed.startsWith("an integer in ")) {
        assertEquals(allowed.substring("an integer in ".length()), row[3].trim(), s.key() + " range");
      }
    }
  }
}
