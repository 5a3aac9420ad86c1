package dev.ssegateway.config;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.gateway.HealthOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One node as the app wires it, for tests: live settings from a conf (file or not), the config verticle
 * and a gateway on 127.0.0.1, a random port and two instances, with the admin routes mounted.
 */
record TestNode(Vertx vertx, Gateway gateway, ConfigStatus status, ConfigVerticle configVerticle, Path confFile) {

  /** A conf with loopback, random port, two instances, a 200 ms scan and {@code extra} on top. */
  static JsonObject conf(JsonObject extra) {
    return new JsonObject()
        .put("_comment", "written by a test")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2))
        .put("config", new JsonObject().put("scan_ms", 200))
        .mergeIn(extra);
  }

  static JsonObject heartbeat(int ms) {
    return conf(new JsonObject().put("heartbeat_ms", ms));
  }

  /** Writes {@code conf} to {@code file} (blocking: call it before the node starts, off the event loop). */
  static Path writeNow(Path file, JsonObject conf) {
    try {
      Files.writeString(file, conf.encodePrettily());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a node watching {@code confFile} (null: no file, admin only) with {@code conf} as its startup conf. */
  static Future<TestNode> start(Vertx vertx, Path confFile, JsonObject conf, Map<String, String> env) {
    GatewaySettings settings = EnvOverrides.from(env).settings(conf);
    LiveSettings live = LiveSettings.create(settings);
    ConfigStatus status = new ConfigStatus(live);
    ConfigVerticle verticle = new ConfigVerticle(status, env);
    JsonObject verticleConf = new JsonObject().put(ConfigVerticle.CONF_FILE_KEY,
        confFile == null ? null : confFile.toString());
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(verticleConf))
        .compose(id -> dev.ssegateway.core.TokenAuth.load(vertx, settings))
        .compose(auth -> Gateway.deploy(vertx, live, "n1", List.of(AdminConfigHandler.create(status, auth)::mount),
            new HealthOptions(), auth))
        .map(g -> new TestNode(vertx, g, status, verticle, confFile));
  }

  static Future<TestNode> start(Vertx vertx, Path confFile, JsonObject conf) {
    return start(vertx, confFile, conf, Map.of());
  }

  GatewaySettings settings() {
    return status.settings();
  }

  /** Replaces the conf file the way editors and deploy tools do: a new file renamed over the old one. */
  Future<Void> save(String text) {
    String tmp = confFile + ".tmp";
    return vertx.fileSystem().writeFile(tmp, Buffer.buffer(text))
        .compose(v -> vertx.fileSystem().move(tmp, confFile.toString(),
            new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
  }

  Future<Void> save(JsonObject conf) {
    return save(conf.encodePrettily());
  }

  Future<Void> deleteConf() {
    return vertx.fileSystem().delete(confFile.toString());
  }
}
