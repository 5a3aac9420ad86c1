package dev.ssegateway.app;

import dev.ssegateway.core.PublisherEntry;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Deploys the {@code publishers} of the conf, in order, once the gateway serves: each entry's class, loaded from the
 * gateway's classpath, {@code instances} times with its {@code config}. All or nothing: an unknown class, a class that
 * is not a verticle or a verticle whose start fails undeploys the ones already deployed and fails with a
 * {@link AppVerticle.StartupFailure} naming the publisher and the cause (the launcher prints that one line and
 * exits 1). The key is restart-only: an edit while the gateway runs is reported as pending.
 */
final class Publishers {

  private static final Logger LOG = LoggerFactory.getLogger(Publishers.class);

  private Publishers() {
  }

  /** Deploys {@code entries}; the future holds the deployment ids, in order. */
  static Future<List<String>> deploy(Vertx vertx, List<PublisherEntry> entries) {
    List<String> ids = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (PublisherEntry entry : entries) {
      chain = chain.compose(v -> deployOne(vertx, entry).map(id -> {
        ids.add(id);
        LOG.info("event=publisher_deployed publisher={} class={} instances={}", entry.name(), entry.className(),
            entry.instances());
        return null;
      }));
    }
    return chain.map(v -> ids).recover(e -> {
      List<Future<Void>> undeployed = new ArrayList<>();
      ids.forEach(id -> undeployed.add(vertx.undeploy(id)));
      return Future.join(undeployed).transform(x -> Future.failedFuture(e));
    });
  }

  private static Future<String> deployOne(Vertx vertx, PublisherEntry entry) {
    String what = "publisher '" + entry.name() + "' (" + entry.className() + ")";
    Class<? extends Deployable> type;
    try {
      Class<?> c = Class.forName(entry.className(), false, Publishers.class.getClassLoader());
      if (!Deployable.class.isAssignableFrom(c)) {
        return failed(entry, what, "is not a verticle (extend io.vertx.core.VerticleBase)");
      }
      type = c.asSubclass(Deployable.class);
    } catch (ClassNotFoundException | LinkageError e) {
      return failed(entry, what, "class not found on the classpath (" + e + "); put its jar on -cp, see docs/publishing.md");
    }
    return vertx.deployVerticle(type, new DeploymentOptions().setInstances(entry.instances())
            .setConfig(entry.config()))
        .recover(e -> failed(entry, what, "failed to start: " + e));
  }

  private static <T> Future<T> failed(PublisherEntry entry, String what, String cause) {
    LOG.error("event=publisher_failed publisher={} class={} cause=\"{}\"", entry.name(), entry.className(),
        cause.replace('"', '\''));
    return Future.failedFuture(new AppVerticle.StartupFailure(what + " " + cause));
  }
}
