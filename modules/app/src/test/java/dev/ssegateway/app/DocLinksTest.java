package dev.ssegateway.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link of the README and of {@code docs/*.md} leads somewhere: to a file that exists and, when it
 * names an {@code #anchor}, to a heading of that file (GitHub's anchor rules). Links inside code are not links.
 */
class DocLinksTest {

  /** {@code [text](target)} or {@code ![alt](target "title")}; the target may be written {@code <target>}. */
  private static final Pattern INLINE_LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  /** A reference definition: {@code [name]: target}. */
  private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
  private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
  private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
  private static final Pattern CODE_SPAN = Pattern.compile("`+[^`]*`+");
  private static final Pattern SCHEME = Pattern.compile("^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)");

  @Test
  void everyRelativeLinkOfTheReadmeAndTheDocsLeadsToAFileAndHeading() throws IOException {
    Path root = Path.of(System.getProperty("project.root", "../..")).toAbsolutePath().normalize();
    List<Path> docs = documents(root);
    assertTrue(docs.size() >= 10, "README.md and docs/*.md expected, found " + docs);
    List<String> problems = new ArrayList<>();
    int checked = check(root, docs, problems);
    assertTrue(checked >= 30, "expected the README and docs to link to each other; found " + checked + " links");
    assertTrue(problems.isEmpty(), problems.size() + " broken links:\n" + String.join("\n", problems));
  }

  @Test
  void aMissingFileOrAnUnknownAnchorIsReportedAndCodeIsIgnored(@TempDir Path root) throws IOException {
    Files.createDirectories(root.resolve("docs"));
    Files.writeString(root.resolve("README.md"), String.join("\n",
        "# Title",
        "See [guide](docs/guide.md#the-setup), [gone](docs/gone.md), [bad anchor](docs/guide.md#nowhere),",
        "[here](#title), [web](https://example.com/x.md) and `[in code](docs/none.md)`.",
        "```",
        "[in a fence](docs/none.md#x)",
        "# not a heading",
        "```",
        "[not a heading](#not-a-heading)"));
    Files.writeString(root.resolve("docs/guide.md"), String.join("\n",
        "# Guide", "## The `setup`", "Back to the [README](../README.md#title) and [itself](#guide)."));
    List<String> problems = new ArrayList<>();
    int checked = check(root, documents(root), problems);
    assertEquals(7, checked, "links outside code, web links excluded");
    assertEquals(List.of(
        "README.md:2: docs/gone.md: no such file",
        "README.md:2: docs/guide.md#nowhere: no heading 'nowhere' in docs/guide.md",
        "README.md:8: #not-a-heading: no heading 'not-a-heading' in README.md"), problems);
  }

  @Test
  void anchorsFollowGitHubsRules() {
    Map<String, String> cases = Map.of(
        "What limited the gateway, and what changed", "what-limited-the-gateway-and-what-changed",
        "Java client and `tail`", "java-client-and-tail",
        "The `dropped` notice", "the-dropped-notice",
        "Hot-editing the config", "hot-editing-the-config",
        "The stream (wire contract)", "the-stream-wire-contract",
        "Where state_lives: A/B", "where-state_lives-ab",
        "See [cluster](cluster.md) now", "see-cluster-now");
    cases.forEach((heading, slug) -> assertEquals(slug, slug(heading), heading));
    assertEquals(Set.of("limits", "limits-1", "limits-2"),
        anchors(List.of("## Limits", "text", "### Limits", "# Limits")));
  }

  private static List<Path> documents(Path root) throws IOException {
    List<Path> docs = new ArrayList<>();
    docs.add(root.resolve("README.md"));
    try (Stream<Path> files = Files.list(root.resolve("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** Adds a line per broken link of {@code docs} to {@code problems}; returns how many links were checked. */
  private static int check(Path root, List<Path> docs, List<String> problems) throws IOException {
    Map<Path, Set<String>> anchorsByFile = new HashMap<>();
    int checked = 0;
    for (Path doc : docs) {
      List<String> lines = Files.readAllLines(doc);
      boolean fenced = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (FENCE.matcher(line).find()) {
          fenced = !fenced;
          continue;
        }
        if (fenced) {
          continue;
        }
        String text = CODE_SPAN.matcher(line).replaceAll("");
        List<String> targets = new ArrayList<>();
        Matcher m = INLINE_LINK.matcher(text);
        while (m.find()) {
          targets.add(m.group(1));
        }
        Matcher ref = REFERENCE.matcher(text);
        if (ref.matches()) {
          targets.add(ref.group(1));
        }
        for (String target : targets) {
          if (SCHEME.matcher(target).find()) {
            continue;
          }
          checked++;
          String where = root.relativize(doc) + ":" + (i + 1) + ": " + target + ": ";
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? "" : target.substring(hash + 1);
          Path linked = file.isEmpty() ? doc
              : doc.getParent().resolve(URLDecoder.decode(file, StandardCharsets.UTF_8)).normalize();
          if (!Files.exists(linked)) {
            problems.add(where + "no such file");
          } else if (!anchor.isEmpty() && linked.toString().endsWith(".md")) {
            Set<String> anchors = anchorsByFile.computeIfAbsent(linked, DocLinksTest::anchors);
            if (!anchors.contains(anchor)) {
              problems.add(where + "no heading '" + anchor + "' in " + root.relativize(linked));
            }
          }
        }
      }
    }
    return checked;
  }

  private static Set<String> anchors(Path file) {
    try {
      return anchors(Files.readAllLines(file));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The anchors GitHub gives the headings of a file (a repeated heading gets -1, -2, ...), and HTML anchors. */
  static Set<String> anchors(List<String> lines) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    for (String line : lines) {
      if (FENCE.matcher(line).find()) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        continue;
      }
      Matcher html = HTML_ANCHOR.matcher(line);
      while (html.find()) {
        anchors.add(html.group(1));
      }
      Matcher h = HEADING.matcher(line);
      if (h.matches()) {
        String slug = slug(h.group(2));
        int n = seen.merge(slug, 1, Integer::sum) - 1;
        anchors.add(n == 0 ? slug : slug + "-" + n);
      }
    }
    return anchors;
  }

  /**
   * GitHub's anchor for a heading: the text (a link counts by its text) in lower case, each space a '-', every
   * other character dropped unless it is a letter, a digit, '-' or '_'.
   */
  static String slug(String heading) {
    String text = heading.trim().replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
    StringBuilder slug = new StringBuilder();
    text.codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        slug.appendCodePoint(c);
      } else if (c == ' ') {
        slug.append('-');
      }
    });
    return slug.toString();
  }
}
