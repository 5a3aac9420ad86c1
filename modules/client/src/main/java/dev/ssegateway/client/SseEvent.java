package dev.ssegateway.client;

import dev.ssegateway.core.WireNames;
import io.vertx.core.json.JsonObject;

/**
 * One event as the application receives it.
 *
 * @param type the SSE {@code event:} name ({@code message} when absent); {@link WireNames#RESET} and
 *             {@link WireNames#DROPPED} tell the application that events were lost
 * @param id   the stream position after this event, opaque; empty when the server sent none
 * @param data the {@code data:} lines joined by LF
 */
public record SseEvent(String type, String id, String data) {

  /** True for {@code reset} and {@code dropped}: the stream says it could not deliver something. */
  public boolean isLoss() {
    return WireNames.RESET.equals(type) || WireNames.DROPPED.equals(type);
  }

  /** True for {@code hello} and {@code heartbeat}, which the gateway itself sends. */
  public boolean isControl() {
    return WireNames.HELLO.equals(type) || WireNames.HEARTBEAT.equals(type);
  }

  /** {@code {"type":..,"id":..,"data":..}}. */
  public JsonObject toJson() {
    return new JsonObject().put("type", type).put("id", id).put("data", data);
  }
}
