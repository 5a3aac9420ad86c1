package dev.ssegateway.gateway;

import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page at {@code /} is the built-in one unless {@code http.webroot} names a folder: a {@code webroot/}
 * folder in the working directory is never served, and a configured folder serves only what really lies in
 * it (a symbolic link out of it is 404 JSON, as are hidden files).
 */
@ExtendWith(VertxExtension.class)
class WebRootTest {

  private static final String BUILT_IN_TITLE = "<title>sse-gateway: live stream</title>";

  private static Gateway start(Vertx vertx, JsonObject conf) throws Exception {
    return Gateway.deploy(vertx, TestSettings.of(conf), "web-node").await(20, TimeUnit.SECONDS);
  }

  private static Http.Answer get(HttpClient client, Gateway g, String path) throws Exception {
    return Http.get(client, g.port(), path).await(10, TimeUnit.SECONDS);
  }

  private static void assertNotFound(Http.Answer a) {
    assertEquals(404, a.status(), a.body());
    assertEquals("not_found", new JsonObject(a.body()).getString("error"), a.body());
  }

  @Test
  void aWebrootFolderInTheWorkingDirectoryIsNotServed(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path planted = Path.of("webroot").toAbsolutePath();
    boolean existed = Files.exists(planted);
    assertFalse(existed, "the test plants " + planted + " itself");
    try {
      Files.createDirectories(planted);
      Files.writeString(planted.resolve("index.html"), "PLANTED page");
      Files.writeString(planted.resolve("planted.js"), "PLANTED script");
      Gateway g = start(vertx, new JsonObject());
      HttpClient client = vertx.createHttpClient();
      for (String path : new String[] {"/", "/index.html"}) {
        Http.Answer a = get(client, g, path);
        assertEquals(200, a.status(), path);
        assertTrue(a.body().contains(BUILT_IN_TITLE) && !a.body().contains("PLANTED"), path + ": " + a.body());
      }
      Http.Answer script = get(client, g, "/sse-client.js");
      assertEquals(200, script.status());
      assertFalse(script.body().contains("PLANTED"));
      for (String path : new String[] {"/planted.js", "/no-such-file.js"}) {
        Http.Answer a = get(client, g, path);
        assertEquals(404, a.status(), path + ": " + a.body());
        assertFalse(a.body().contains("PLANTED"), a.body());
      }
      ctx.completeNow();
    } finally {
      try (Stream<Path> files = Files.walk(planted)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aConfiguredFolderIsServedButNoLinkOutOfIt(Vertx vertx, VertxTestContext ctx, @TempDir Path dir)
      throws Exception {
    Path site = Files.createDirectories(dir.resolve("site"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(site.resolve("index.html"), "MY page");
    Files.createDirectories(site.resolve("sub"));
    Files.writeString(site.resolve("sub/page.html"), "MY sub page");
    Files.writeString(site.resolve(".hidden.txt"), "HIDDEN");
    Files.writeString(outside.resolve("secret.txt"), "OUTSIDE secret");
    Files.createSymbolicLink(site.resolve("leak.txt"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(site.resolve("out"), outside);
    Files.createSymbolicLink(site.resolve("alias.html"), site.resolve("sub/page.html"));
    Gateway g = start(vertx, new JsonObject().put("http.webroot", site.toString()));
    HttpClient client = vertx.createHttpClient();
    assertEquals("MY page", get(client, g, "/").body());
    assertEquals("MY sub page", get(client, g, "/sub/page.html").body());
    assertEquals("MY sub page", get(client, g, "/alias.html").body(), "a link inside the folder is fine");
    assertNotFound(get(client, g, "/leak.txt"));
    assertNotFound(get(client, g, "/out/secret.txt"));
    for (String path : new String[] {"/.hidden.txt", "/sse-client.js", "/sub/../../outside/secret.txt",
        "/%2e%2e/outside/secret.txt", "/out/"}) {
      // not there, or a path the router itself refuses: never the file
      Http.Answer a = get(client, g, path);
      assertTrue(a.status() == 404 || a.status() == 400, path + ": " + a.status());
      assertFalse(a.body().contains("OUTSIDE") || a.body().contains("HIDDEN"), path + ": " + a.body());
    }
    ctx.completeNow();
  }

  @Test
  void aConfiguredFolderThatIsNotThereStopsTheStartNamingTheKey(Vertx vertx, VertxTestContext ctx,
                                                                @TempDir Path dir) {
    Exception e = assertThrows(Exception.class, () -> start(vertx, new JsonObject().put("http.webroot",
        dir.resolve("missing").toString())));
    assertTrue(String.valueOf(e.getMessage()).contains("http.webroot"), String.valueOf(e));
    ctx.completeNow();
  }
}
