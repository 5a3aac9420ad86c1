package dev.ssegateway.publisher;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.NodeInfo;

/**
 * A cluster member's announcement that it runs a gateway, carried in its Vert.x cluster node info
 * ({@link EventBusOptions#setClusterNodeMetadata}, read back with {@code ClusterManager#getNodeInfo}). A joining
 * origin needs it to tell "this member has no gateway, it has seen nothing" from "this gateway's answer address is
 * missing from the cluster's subscription map" ({@link SeqHighWater}): both answer "no handlers", only the first
 * may count as 0. Vert.x removes a member's node info when it leaves and every member puts its own back after a
 * merge, so the announcement lives exactly as long as the member. Set it on every clustered Vert.x that deploys a
 * gateway, before it is built: the launcher, the test kit and the app verticle's check do.
 */
public final class GatewayRole {

  /** The key of the announcement in the cluster node metadata (value {@code true}). */
  public static final String METADATA_KEY = "sse-gateway.gateway";

  private GatewayRole() {
  }

  /** Adds the announcement to {@code eventBus}'s cluster node metadata, keeping what is there; returns it. */
  public static EventBusOptions announce(EventBusOptions eventBus) {
    JsonObject existing = eventBus.getClusterNodeMetadata();
    JsonObject metadata = existing == null ? new JsonObject() : existing.copy();
    return eventBus.setClusterNodeMetadata(metadata.put(METADATA_KEY, true));
  }

  /** Whether the member whose node info this is announced a gateway. */
  public static boolean announced(NodeInfo info) {
    return info != null && info.metadata() != null && Boolean.TRUE.equals(info.metadata().getValue(METADATA_KEY));
  }
}
