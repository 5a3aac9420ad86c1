package dev.ssegateway.config;

import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.HttpErrors;
import dev.ssegateway.core.StrictJson;
import dev.ssegateway.core.TokenAuth;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /admin/config}: {@code GET} answers the node's {@link ConfigStatus}; {@code PUT} with a JSON
 * object of changes ({@code {"heartbeat_ms": 5000}}, flat or nested keys) hands them to the
 * {@link ConfigVerticle}, which validates, applies them on this node and every other node of the
 * cluster, and answers 200 with the new settings or 400 naming the key and the allowed range
 * ({@code invalid_settings}), {@code restart_required} for restart-only keys, {@code invalid_json}
 * for a body that is not a JSON object. Both need {@code admin.token} as a bearer token or, with none
 * configured, a loopback peer (401/403 otherwise).
 */
public final class AdminConfigHandler {

  /** The endpoint's path. */
  public static final String PATH = "/admin/config";
  /** Largest accepted PUT body. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final long APPLY_TIMEOUT_MS = 10_000;

  private final ConfigStatus status;
  private final TokenAuth auth;

  private AdminConfigHandler(ConfigStatus status, TokenAuth auth) {
    this.status = status;
    this.auth = java.util.Objects.requireNonNull(auth, "auth");
  }

  /** The handler over the node's {@code status}, checking callers with the node's {@code auth}. */
  public static AdminConfigHandler create(ConfigStatus status, TokenAuth auth) {
    return new AdminConfigHandler(status, auth);
  }

  /** Adds {@code GET} and {@code PUT /admin/config} to {@code router}. */
  public void mount(Router router) {
    router.get(PATH).handler(this::get);
    // vertx-web wants the body handler first; the body is bounded and read before the token check.
    router.put(PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
        .handler(this::put)
        .failureHandler(ctx -> HttpErrors.send(ctx.response(), ctx.statusCode() == 413 ? 413 : 500,
            ctx.statusCode() == 413 ? "body_too_large" : "internal_error",
            ctx.statusCode() == 413 ? "the body exceeds " + MAX_BODY_BYTES + " bytes" : "the change failed"));
  }

  /** Runs {@code then} when the request carries the admin token or a JWT with {@code sse.admin: true}. */
  private void asAdmin(RoutingContext ctx, io.vertx.core.Handler<RoutingContext> then) {
    auth.allowAdmin(ctx.request(), status.settings()).onComplete(allowed -> {
      if (allowed.succeeded() && allowed.result()) {
        then.handle(ctx);
      } else if (allowed.failed()) {
        HttpErrors.send(ctx.response(), 500, "internal_error", "the token could not be checked");
      }
    });
  }

  private void get(RoutingContext ctx) {
    asAdmin(ctx, this::answerStatus);
  }

  private void answerStatus(RoutingContext ctx) {
    ctx.response().setStatusCode(200)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(status.toJson().encode());
  }

  private void put(RoutingContext ctx) {
    asAdmin(ctx, this::change);
  }

  private void change(RoutingContext ctx) {
    JsonObject changes;
    try {
      changes = changes(ctx.body().buffer());
    } catch (DecodeException e) {
      HttpErrors.send(ctx.response(), 400, "invalid_json", e.getMessage());
      return;
    }
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true).setSendTimeout(APPLY_TIMEOUT_MS);
    ctx.vertx().eventBus().<JsonObject>request(BusAddresses.SETTINGS_CHANGE_REQUEST, changes, local)
        .map(Message::body)
        .onSuccess(answer -> HttpErrors.send(ctx.response(), answer.getInteger("status"), answer.getJsonObject("body")))
        .onFailure(e -> HttpErrors.send(ctx.response(), 503, "config_unavailable",
            "the config verticle did not answer: " + e.getMessage()));
  }

  /** The body as a JSON object of changes. */
  private static JsonObject changes(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new DecodeException("the body is empty; send a JSON object of changes, e.g. {\"heartbeat_ms\": 5000}");
    }
    Object parsed;
    try {
      StrictJson.check(body.toString());
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new DecodeException("the body is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject)) {
      throw new DecodeException("the body must be a JSON object of changes, e.g. {\"heartbeat_ms\": 5000}");
    }
    return (JsonObject) parsed;
  }

  private static String firstLine(String text) {
    String s = String.valueOf(text).replaceFirst("^Failed to decode:\\s*", "");
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
