package dev.ssegateway.gateway;

import dev.ssegateway.core.Cursor;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What a new stream gets before it goes live, computed atomically on the {@link FanOut} context:
 * its position at connect time (the {@code hello} id: the node's position for a new stream, the client's
 * own for a resumed one), the retained events it missed, a {@code reset}
 * notice when some missed events are no longer retained, and the client's own position where it is
 * ahead of this node (so no event is delivered twice and no id goes backwards).
 */
record ResumePlan(Cursor position, List<EncodedEvent> replay, JsonObject reset, Cursor clientAhead) {
}
