package dev.ssegateway.gateway;

import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.TokenAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /admin/stats}: this node's {@link GatewayStats} counters as JSON (open streams, events received and
 * dropped, by reason, deliveries, replays, resets, refused requests, history size, lane backlog), for an operator
 * without a Prometheus scrape. Admin-only like {@code /admin/config}: {@code admin.token} as a bearer token, a JWT
 * with {@code sse.admin: true}, or, with neither configured, a loopback peer (401/403 otherwise).
 */
final class AdminStatsHandler {

  /** The endpoint's path. */
  static final String PATH = "/admin/stats";

  private final String node;
  private final GatewayStats stats;
  private final LiveSettings live;
  private final TokenAuth auth;

  private AdminStatsHandler(String node, GatewayStats stats, LiveSettings live, TokenAuth auth) {
    this.node = node;
    this.stats = stats;
    this.live = live;
    this.auth = java.util.Objects.requireNonNull(auth, "auth");
  }

  static AdminStatsHandler create(String node, GatewayStats stats, LiveSettings live, TokenAuth auth) {
    return new AdminStatsHandler(node, stats, live, auth);
  }

  /** Adds {@code GET /admin/stats} to {@code router}. */
  void mount(Router router) {
    router.get(PATH).handler(this::get);
  }

  private void get(RoutingContext ctx) {
    auth.allowAdmin(ctx.request(), live.current()).onComplete(allowed -> {
      if (allowed.succeeded() && allowed.result()) {
        ctx.response().setStatusCode(200)
            .putHeader("Content-Type", "application/json; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(stats.toJson().put("node", node).encode());
      } else if (allowed.failed()) {
        HttpErrors.send(ctx.response(), 500, "internal_error", "the token could not be checked");
      }
    });
  }
}
