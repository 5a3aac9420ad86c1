package dev.ssegateway.config;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.Setting;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * What an operator needs to know about this node's configuration: the settings in force, where the
 * last accepted change came from, the last refused change and why, and the keys changed in the file
 * that wait for a restart. Written only by the {@link ConfigVerticle}, read by {@code GET /admin/config}
 * on any event loop: every update replaces one immutable snapshot.
 */
public final class ConfigStatus {

  /** Where a change came from. */
  public enum Source {
    STARTUP, FILE, ADMIN, CLUSTER;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A refused change: when, from where, the one-line message and the problems as JSON. */
  public record Rejection(Instant at, Source source, String error, String message, JsonArray problems) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("at", at.toString())
          .put("source", source.label())
          .put("error", error)
          .put("message", message)
          .put("problems", problems.copy());
    }
  }

  private record Snapshot(Source source, Instant changedAt, Rejection lastRejected, List<String> pendingRestart) {
  }

  private final LiveSettings live;
  private final java.util.concurrent.atomic.LongAdder accepted = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder rejected = new java.util.concurrent.atomic.LongAdder();
  private volatile String confFile;
  private volatile Snapshot snapshot;

  /** Status of the node whose settings are {@code live}. */
  public ConfigStatus(LiveSettings live) {
    this.live = live;
    this.snapshot = new Snapshot(Source.STARTUP, Instant.now(), null, List.of());
  }

  /** The node's settings in force. */
  public GatewaySettings settings() {
    return live.current();
  }

  LiveSettings live() {
    return live;
  }

  /** The watched conf file, or null when settings change only through the admin endpoint. */
  public String confFile() {
    return confFile;
  }

  void watching(String file) {
    this.confFile = file;
  }

  public Source source() {
    return snapshot.source;
  }

  /** The last refused change, or null. */
  public Rejection lastRejected() {
    return snapshot.lastRejected;
  }

  /** Restart-only keys whose value in the file differs from the running value. */
  public List<String> pendingRestart() {
    return snapshot.pendingRestart;
  }

  /** Changes accepted since startup (file, admin or cluster), for {@code sse_config_reloads_total}. */
  public long acceptedCount() {
    return accepted.sum();
  }

  /** Changes refused since startup (each distinct file problem once), for {@code sse_config_reloads_total}. */
  public long rejectedCount() {
    return rejected.sum();
  }

  synchronized void accepted(Source source) {
    accepted.increment();
    Snapshot s = snapshot;
    snapshot = new Snapshot(source, Instant.now(), s.lastRejected, s.pendingRestart);
  }

  synchronized void rejected(Rejection rejection) {
    rejected.increment();
    Snapshot s = snapshot;
    snapshot = new Snapshot(s.source, s.changedAt, rejection, s.pendingRestart);
  }

  synchronized void pendingRestart(List<String> keys) {
    Snapshot s = snapshot;
    snapshot = new Snapshot(s.source, s.changedAt, s.lastRejected, List.copyOf(keys));
  }

  /** The body of {@code GET /admin/config}. */
  public JsonObject toJson() {
    Snapshot s = snapshot;
    JsonArray keys = new JsonArray();
    GatewaySettings.ALL.stream().map(Setting::describe).forEach(keys::add);
    return new JsonObject()
        .put("settings", live.current().toPublicJson())
        .put("source", s.source.label())
        .put("changed_at", s.changedAt.toString())
        .put("conf_file", confFile)
        .put("last_rejected", s.lastRejected == null ? null : s.lastRejected.toJson())
        .put("pending_restart", new JsonArray(s.pendingRestart))
        .put("keys", keys);
  }
}
