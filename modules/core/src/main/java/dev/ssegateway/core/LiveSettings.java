package dev.ssegateway.core;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

/**
 * The settings in force on one Vert.x node, shared by every verticle of it. The config verticle is
 * its only writer: it validates, {@link #set sets}, then announces the change on
 * {@link BusAddresses#SETTINGS_LOCAL} so each gateway instance applies it on its own event loop.
 */
public final class LiveSettings implements Shareable {

  private static final String MAP = "sse-gateway";
  private static final String KEY = "live-settings";

  private volatile GatewaySettings current;

  private LiveSettings(GatewaySettings initial) {
    this.current = initial;
  }

  /** The node's instance, created with {@code initial} if this is the first call on this Vert.x. */
  public static LiveSettings of(Vertx vertx, GatewaySettings initial) {
    LocalMap<String, LiveSettings> map = vertx.sharedData().getLocalMap(MAP);
    LiveSettings fresh = new LiveSettings(initial);
    LiveSettings existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** The node's instance; defaults until someone sets it. */
  public static LiveSettings of(Vertx vertx) {
    return of(vertx, GatewaySettings.defaults());
  }

  public GatewaySettings current() {
    return current;
  }

  /** Replaces the settings and announces them to every gateway instance of this node. */
  public void apply(Vertx vertx, GatewaySettings next) {
    this.current = next;
    vertx.eventBus().publish(BusAddresses.SETTINGS_LOCAL, next.toJson(), new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true));
  }
}
