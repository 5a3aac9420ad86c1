package dev.ssegateway.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fence stays a fence: no main source file of any module but {@code VertxInternals} names a non-public Vert.x
 * package ({@code io.vertx.core.internal}, {@code io.vertx.core.impl}, {@code *.net.impl}, {@code *.http.impl}, or
 * any other {@code io.vertx} {@code impl}/{@code internal} package), whether by import or by a fully qualified name
 * in code, and the fence's header names every non-public type it imports.
 */
class VertxInternalsFenceTest {

  /** A reference to a package of Vert.x that is not its public API. */
  static final Pattern NON_PUBLIC = Pattern.compile("\\bio\\.vertx\\.[a-z0-9_.]*?\\b(impl|internal)\\b[\\w.]*");
  static final Path FENCE = Path.of("modules", "gateway", "src", "main", "java", "dev", "ssegateway", "gateway",
      "VertxInternals.java");

  private static Path root() {
    return Path.of(System.getProperty("project.root", "../..")).toAbsolutePath().normalize();
  }

  /** The non-public Vert.x names {@code source} uses in code (comment lines aside), with their line numbers. */
  static List<String> nonPublicUses(String source) {
    List<String> uses = new ArrayList<>();
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.startsWith("*") || line.startsWith("/*") || line.startsWith("//")) {
        continue;
      }
      int comment = line.indexOf("//");
      Matcher m = NON_PUBLIC.matcher(comment >= 0 ? line.substring(0, comment) : line);
      while (m.find()) {
        uses.add((i + 1) + ": " + m.group());
      }
    }
    return uses;
  }

  private static List<Path> mainSources(Path root) throws IOException {
    List<Path> sources = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root.resolve("modules"))) {
      for (Path module : modules.sorted().toList()) {
        Path main = module.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          try (Stream<Path> files = Files.walk(main)) {
            files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(sources::add);
          }
        }
      }
    }
    return sources;
  }

  @Test
  void onlyTheFenceClassUsesNonPublicVertxApi() throws IOException {
    Path root = root();
    List<Path> sources = mainSources(root);
    assertTrue(sources.size() > 50, () -> "found only " + sources.size() + " main sources under " + root);
    assertTrue(sources.contains(root.resolve(FENCE)), "the fence class " + FENCE + " exists");
    List<String> outside = new ArrayList<>();
    for (Path source : sources) {
      if (source.equals(root.resolve(FENCE))) {
        continue;
      }
      for (String use : nonPublicUses(Files.readString(source))) {
        outside.add(root.relativize(source) + ":" + use);
      }
    }
    assertEquals(List.of(), outside, "non-public Vert.x API outside " + FENCE
        + ": move it behind the fence and list it in its header, or use exported API");
  }

  @Test
  void theFenceHeaderNamesEveryNonPublicTypeItImports() throws IOException {
    String fence = Files.readString(root().resolve(FENCE));
    String header = fence.substring(0, fence.indexOf("public final class VertxInternals"));
    TreeSet<String> imported = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^import (io\\.vertx\\.[\\w.]+);").matcher(fence);
    while (m.find()) {
      if (NON_PUBLIC.matcher(m.group(1)).matches()) {
        imported.add(m.group(1));
      }
    }
    assertFalse(imported.isEmpty(), "the fence imports the non-public types it wraps");
    for (String type : imported) {
      assertTrue(header.contains("{@code " + type), "the fence's header lists " + type);
    }
    assertTrue(header.contains("Vert.x 5.0.7"), "the header names the Vert.x version it was checked against");
  }

  @Test
  void theScanSeesImportsAndQualifiedNamesButNotComments() {
    String source = String.join("\n",
        "import io.vertx.core.internal.ContextInternal;",
        "import io.vertx.core.net.impl.ConnectionBase;",
        "import io.vertx.core.http.HttpServerOptions;",
        " * see io.vertx.core.http.impl.VertxHttpRequestDecoder",
        "    Object o = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext(); // io.vertx.core.impl.X",
        "import io.vertx.ext.web.impl.RouterImpl;",
        "import io.vertx.core.impl.SysProps;");
    assertEquals(List.of(
        "1: io.vertx.core.internal.ContextInternal",
        "2: io.vertx.core.net.impl.ConnectionBase",
        "5: io.vertx.core.internal.VertxInternal",
        "6: io.vertx.ext.web.impl.RouterImpl",
        "7: io.vertx.core.impl.SysProps"), nonPublicUses(source));
  }
}
