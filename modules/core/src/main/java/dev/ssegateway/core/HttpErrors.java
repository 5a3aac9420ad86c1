package dev.ssegateway.core;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one format of every refused HTTP request: a status and a JSON body
 * {@code {"error": "<stable code>", "message": "<one line naming the problem>"}}.
 */
public final class HttpErrors {

  private HttpErrors() {
  }

  public static void send(HttpServerResponse response, int status, String code, String message) {
    send(response, status, new JsonObject().put("error", code).put("message", message));
  }

  public static void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }
}
