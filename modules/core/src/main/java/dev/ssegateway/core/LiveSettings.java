package dev.ssegateway.core;

import io.vertx.core.Vertx;

/**
 * The settings in force on one node, handed to every part of it at construction (nothing looks them up). The config
 * verticle is their only writer: it validates, {@link #apply applies}, then announces the change on
 * {@link BusAddresses#SETTINGS_LOCAL} so each gateway instance applies it on its own event loop.
 */
public final class LiveSettings {

  private volatile GatewaySettings current;

  private LiveSettings(GatewaySettings initial) {
    this.current = initial;
  }

  /** Settings starting at {@code initial}, for the parts of a node to be handed at construction. */
  public static LiveSettings create(GatewaySettings initial) {
    return new LiveSettings(java.util.Objects.requireNonNull(initial, "initial settings"));
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
