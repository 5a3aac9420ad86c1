package dev.ssegateway.core;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

/**
 * The settings in force on one Vert.x node, shared by every verticle of it. The config verticle is
 * its only writer: it validates, {@link #apply applies}, then announces the change on
 * {@link BusAddresses#SETTINGS_LOCAL} so each gateway instance applies it on its own event loop.
 */
public final class LiveSettings implements Shareable {

  private static final String MAP = "sse-gateway";
  private static final String KEY = "live-settings";

  private volatile GatewaySettings current;

  private LiveSettings(GatewaySettings initial) {
    this.current = initial;
  }

  /**
   * Settings starting at {@code initial}, registered nowhere: for a node whose parts are handed them at construction
   * (the gateway, the config verticle, ingest).
   */
  public static LiveSettings create(GatewaySettings initial) {
    return new LiveSettings(java.util.Objects.requireNonNull(initial, "initial settings"));
  }

  /**
   * The node's instance, created with {@code initial} if this is the first call on this Vert.x; registered there for
   * the parts that still look it up ({@code EventPublisher}, {@code TokenAuth}).
   */
  public static LiveSettings of(Vertx vertx, GatewaySettings initial) {
    LocalMap<String, LiveSettings> map = vertx.sharedData().getLocalMap(MAP);
    LiveSettings fresh = new LiveSettings(initial);
    LiveSettings existing = map.putIfAbsent(KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /**
   * The node's registered instance; defaults until someone sets it. Prefer settings passed in: this lookup remains for
   * {@code EventPublisher} and {@code TokenAuth}.
   */
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
