package dev.ssegateway.gateway;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What {@code GET /…} serves when no other route matches: the built-in page (the classpath resources under
 * {@code webroot/} in this module, never a {@code webroot/} folder of the working directory) or, when
 * {@code http.webroot} names a folder, that folder's files and nothing else: a file whose real path is
 * outside the folder (a symbolic link out of it) is 404 {@code not_found} with a JSON body. Paths are names
 * of files with an extension, no segment starting with a dot (hidden files); a path ending in {@code /} means
 * its {@code index.html}. Anything else, and a missing file, goes on to the router (its 404 or 405).
 */
final class WebRoot {

  private static final String BUILT_IN = "webroot/";
  /** Path segments that do not start with a dot, the last one with an extension. */
  private static final Pattern NAME = Pattern.compile(
      "(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}/){0,16}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\\.[A-Za-z0-9]{1,16}");
  /** The built-in page's resources, read once; only resources that exist are kept, so it is bounded by the jar. */
  private static final Map<String, Buffer> BUILT_IN_CACHE = new ConcurrentHashMap<>();
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
      "json", "application/json; charset=utf-8", "txt", "text/plain; charset=utf-8", "svg", "image/svg+xml",
      "png", "image/png", "ico", "image/x-icon", "map", "application/json; charset=utf-8");

  private final String folder;
  /** The real path of {@link #folder}, set by {@link #check}; null for the built-in page. */
  private volatile Path root;

  private WebRoot(String folder) {
    this.folder = folder;
  }

  static WebRoot create(GatewaySettings settings) {
    return new WebRoot(settings.get(GatewaySettings.HTTP_WEBROOT));
  }

  /** Resolves a configured folder (off the event loop); fails naming the key when it is not a readable folder. */
  Future<Void> check(Vertx vertx) {
    if (folder.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.<Path>executeBlocking(() -> {
      Path real = Path.of(folder).toAbsolutePath().toRealPath();
      if (!Files.isDirectory(real) || !Files.isReadable(real)) {
        throw new IOException("not a readable folder");
      }
      return real;
    }, false).recover(e -> Future.failedFuture(new IllegalStateException(GatewaySettings.HTTP_WEBROOT.key() + ": "
        + folder + " is not a readable folder (" + e.getMessage() + ")"))).map(real -> {
          root = real;
          return null;
        });
  }

  void mount(Router router) {
    router.get("/*").handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String name = path.endsWith("/") ? path.substring(1) + "index.html" : path.substring(1);
    if (!NAME.matcher(name).matches()) {
      ctx.next();
      return;
    }
    if (root == null) {
      builtIn(ctx, name);
    } else {
      fromFolder(ctx, path, name, root);
    }
  }

  private static void builtIn(RoutingContext ctx, String name) {
    Buffer cached = BUILT_IN_CACHE.get(name);
    Future<Buffer> content = cached != null ? Future.succeededFuture(cached) : ctx.vertx().executeBlocking(() -> {
      try (InputStream in = WebRoot.class.getClassLoader().getResourceAsStream(BUILT_IN + name)) {
        return in == null ? null : Buffer.buffer(in.readAllBytes());
      }
    }, false);
    content.onComplete(ar -> {
      if (ar.failed() || ar.result() == null) {
        ctx.next();
        return;
      }
      BUILT_IN_CACHE.putIfAbsent(name, ar.result());
      headers(ctx, name).end(ar.result());
    });
  }

  /** A name looked up in the folder: the file to send, or why there is none. */
  private record Lookup(Path file, boolean outside) {
    static final Lookup MISSING = new Lookup(null, false);
    static final Lookup OUTSIDE = new Lookup(null, true);
  }

  private static void fromFolder(RoutingContext ctx, String path, String name, Path root) {
    ctx.vertx().executeBlocking(() -> {
      Path target = root.resolve(name).normalize();
      if (!target.startsWith(root)) {
        return Lookup.OUTSIDE;
      }
      Path real;
      try {
        real = target.toRealPath();
      } catch (NoSuchFileException e) {
        return Lookup.MISSING;
      }
      // a link may point anywhere: only what really lies inside the folder is served
      if (!real.startsWith(root)) {
        return Lookup.OUTSIDE;
      }
      return Files.isRegularFile(real) && Files.isReadable(real) ? new Lookup(real, false) : Lookup.MISSING;
    }, false).onComplete(ar -> {
      if (ar.failed() || ar.result().outside()) {
        notFound(ctx, path);
      } else if (ar.result().file() == null) {
        ctx.next();
      } else {
        headers(ctx, name).sendFile(ar.result().file().toString()).onFailure(e -> ctx.response().reset());
      }
    });
  }

  private static io.vertx.core.http.HttpServerResponse headers(RoutingContext ctx, String name) {
    String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return ctx.response()
        .putHeader("Content-Type", TYPES.getOrDefault(extension, "application/octet-stream"))
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Content-Type-Options", "nosniff");
  }

  private static void notFound(RoutingContext ctx, String path) {
    HttpErrors.send(ctx.response(), 404, "not_found", "nothing is served at " + printable(path));
  }

  private static String printable(String path) {
    String p = path.length() > 200 ? path.substring(0, 200) + "…" : path;
    return p.replaceAll("[\\x00-\\x1f\\x7f]", "?");
  }
}
