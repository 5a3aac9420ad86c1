package dev.ssegateway.config;

import dev.ssegateway.config.ConfigStatus.Rejection;
import dev.ssegateway.config.ConfigStatus.Source;
import dev.ssegateway.core.BusAddresses;
import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.Setting;
import dev.ssegateway.core.SettingsException;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.publisher.BusOutbox;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * The only writer of this node's {@link LiveSettings}. It watches the conf file given with
 * {@code -conf} (every {@code config.scan_ms}), takes admin changes from
 * {@link BusAddresses#SETTINGS_CHANGE_REQUEST} and other nodes' admin changes from
 * {@link BusAddresses#SETTINGS_CLUSTER}; it validates each, applies the live keys, and reports a
 * refused change once, in one log line naming the key, the value and the allowed range, and in
 * {@link ConfigStatus}. A refused change never touches the settings in force.
 *
 * <p>Rules: a file edit applies the live keys whose value changed in the file (so a value set through
 * the admin endpoint stays until the file's own value for that key changes); restart-only keys changed
 * in the file are reported as pending and not applied; environment overrides ({@link EnvOverrides})
 * win over the file on every reload. Without a conf file only admin changes are taken.
 */
public final class ConfigVerticle extends VerticleBase {

  /** Config key holding the absolute path of the {@code -conf} file (set by the launcher). */
  public static final String CONF_FILE_KEY = "_conf_file";

  private static final Logger LOG = LoggerFactory.getLogger(ConfigVerticle.class);

  private final ConfigStatus status;
  private final EnvOverrides env;
  private final String origin = UUID.randomUUID().toString();
  /** Puts a message on the bus (address, body); null: this verticle's event bus. Tests pass one that fails. */
  private final BiConsumer<String, JsonObject> busPublish;
  /** This node's admin changes to the rest of the cluster, re-published when Vert.x breaks a publish off. */
  private BusOutbox clusterOut;
  /** The event-size limit to publishers anywhere in the cluster, likewise. */
  private BusOutbox limitsOut;
  private LiveSettings live;
  private String confFile;
  private ConfigRetriever retriever;
  /** The settings the file (with overrides) asked for at its last valid read. */
  private GatewaySettings fileSettings;
  /** The file's current read problem, reported once; null while the file reads fine. */
  private FileProblem fileProblem;
  private boolean fileRefused;

  /** A config verticle reporting into {@code status}, with the overrides of {@code env} on every reload. */
  public ConfigVerticle(ConfigStatus status, Map<String, String> env) {
    this(status, env, null);
  }

  /** As above, with {@code busPublish} putting this verticle's cluster messages on the bus (tests). */
  ConfigVerticle(ConfigStatus status, Map<String, String> env, BiConsumer<String, JsonObject> busPublish) {
    this.status = status;
    this.env = EnvOverrides.from(env);
    this.busPublish = busPublish;
  }

  public ConfigVerticle(ConfigStatus status) {
    this(status, System.getenv());
  }

  @Override
  public Future<?> start() {
    live = status.live();
    confFile = config().getString(CONF_FILE_KEY);
    fileSettings = live.current();
    status.watching(confFile);
    BiConsumer<String, JsonObject> publish = busPublish != null ? busPublish
        : (address, body) -> vertx.eventBus().publish(address, body);
    clusterOut = new BusOutbox(vertx, context, body -> publish.accept(BusAddresses.SETTINGS_CLUSTER, body));
    limitsOut = new BusOutbox(vertx, context, body -> publish.accept(BusAddresses.LIMITS_CHANGED, body));
    MessageConsumer<JsonObject> requests = vertx.eventBus().localConsumer(BusAddresses.SETTINGS_CHANGE_REQUEST,
        this::onAdminRequest);
    MessageConsumer<JsonObject> cluster = vertx.eventBus().consumer(BusAddresses.SETTINGS_CLUSTER,
        this::onClusterChange);
    // publisher-only members of the cluster validate against this node's live limit (EventPublisher.install)
    MessageConsumer<JsonObject> limits = vertx.eventBus().consumer(BusAddresses.LIMITS_REQUEST,
        m -> m.reply(limitsJson(live.current())));
    if (confFile != null) {
      watch(confFile, live.current().get(GatewaySettings.CONFIG_SCAN_MS));
    } else {
      LOG.info("event=config_watch_disabled reason=\"no conf file\" changes=admin_only");
    }
    return Future.all(requests.completion(), cluster.completion(), limits.completion());
  }

  @Override
  public Future<?> stop() {
    return retriever == null ? Future.succeededFuture() : retriever.close();
  }

  private void watch(String path, int scanMs) {
    ConfigStoreOptions file = new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", path));
    retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setScanPeriod(scanMs)
        .setIncludeDefaultStores(false)
        .addStore(file));
    // Called after every successful read, changed or not: the only sign that a broken file is readable
    // again when it went back to exactly the last good content (no change event follows then).
    retriever.setConfigurationProcessor(json -> {
      if (fileProblem != null && json.equals(retriever.getCachedConfig())) {
        fileReadable();
      }
      return json;
    });
    retriever.configStream().exceptionHandler(this::onFileFailure);
    retriever.listen(change -> onFile(change.getNewConfiguration()));
    LOG.info("event=config_watch_started file={} scan_ms={}", path, scanMs);
  }

  // ---- file ----------------------------------------------------------------------------------

  private void onFile(JsonObject conf) {
    boolean wasBroken = fileProblem != null || fileRefused;
    fileProblem = null;
    GatewaySettings wanted;
    try {
      wanted = env.settings(conf);
    } catch (SettingsException e) {
      fileRefused = true;
      refuse(Source.FILE, "invalid_settings", e.getMessage(), problems(e));
      return;
    }
    fileRefused = false;
    GatewaySettings current = live.current();
    JsonObject liveChanges = new JsonObject();
    wanted.changedFrom(fileSettings).stream().filter(Setting::live)
        .forEach(s -> liveChanges.put(s.key(), wanted.toJson().getValue(s.key())));
    fileSettings = wanted;
    GatewaySettings next = SettingsValidator.apply(current, liveChanges);
    List<Setting<?>> pending = wanted.changedFrom(current).stream().filter(s -> !s.live()).toList();
    boolean pendingChanged = !keys(pending).equals(status.pendingRestart());
    status.pendingRestart(keys(pending));
    String needsRestart = pending.isEmpty() ? "" : " needs_restart=" + diff(pending, current, wanted);
    if (!next.equals(current)) {
      // logged before it takes effect: whoever sees the new settings (or the status) also finds the line
      LOG.info("event=config_accepted source=file changed={}{}", diff(next.changedFrom(current), current, next),
          needsRestart);
      apply(next, Source.FILE);
    } else if (pendingChanged && !pending.isEmpty()) {
      LOG.warn("event=config_needs_restart source=file{}", needsRestart);
    } else if (wasBroken) {
      LOG.info("event=config_accepted source=file changed=[]{}", needsRestart);
    }
  }

  private void onFileFailure(Throwable failure) {
    FileProblem problem = FileProblem.of(failure);
    if (problem.equals(fileProblem)) {
      return;
    }
    fileProblem = problem;
    if (problem.error().equals("invalid_json") && problem.line() < 0) {
      // the parser says only "Unexpected token" for an empty file: say what it is
      vertx.fileSystem().props(confFile)
          .map(props -> props.size() == 0 ? new FileProblem("invalid_json", "the file is empty", -1, -1) : problem)
          .otherwise(problem)
          .onSuccess(this::reportFileProblem);
    } else {
      reportFileProblem(problem);
    }
  }

  private void reportFileProblem(FileProblem problem) {
    LOG.warn("event=config_rejected source=file file={} error={} problem=\"{}\" kept=settings_in_force",
        confFile, problem.error(), problem.describe());
    status.rejected(new Rejection(Instant.now(), Source.FILE, problem.error(), problem.describe(), problem.toJson()));
  }

  private void fileReadable() {
    fileProblem = null;
    LOG.info("event=config_accepted source=file changed=[] note=\"file readable again, same content as before it broke\"");
  }

  // ---- admin and cluster ---------------------------------------------------------------------

  /** An admin change on this node: answers {@code {"status": 200|400, "body": {...}}}. */
  private void onAdminRequest(Message<JsonObject> msg) {
    JsonObject changes = msg.body();
    GatewaySettings current = live.current();
    GatewaySettings next;
    try {
      next = SettingsValidator.apply(current, changes);
    } catch (SettingsException e) {
      refuse(Source.ADMIN, "invalid_settings", e.getMessage(), problems(e));
      msg.reply(new JsonObject().put("status", 400).put("body", e.toJson()));
      return;
    }
    List<Setting<?>> changed = next.changedFrom(current);
    List<Setting<?>> restartOnly = changed.stream().filter(s -> !s.live()).toList();
    if (!restartOnly.isEmpty()) {
      String message = String.join(", ", keys(restartOnly)) + " can only change with a restart: edit the conf file "
          + "and restart the node; nothing was applied";
      JsonArray problems = new JsonArray();
      restartOnly.forEach(s -> problems.add(new JsonObject().put("key", s.key()).put("message",
          s.key() + " is restart-only")));
      refuse(Source.ADMIN, "restart_required", message, problems);
      msg.reply(new JsonObject().put("status", 400).put("body", new JsonObject()
          .put("error", "restart_required").put("message", message).put("keys", new JsonArray(keys(restartOnly)))));
      return;
    }
    if (!changed.isEmpty()) {
      LOG.info("event=config_accepted source=admin changed={}", diff(changed, current, next));
      apply(next, Source.ADMIN);
      JsonObject flat = new JsonObject();
      changed.forEach(s -> flat.put(s.key(), next.toJson().getValue(s.key())));
      clusterOut.send(new JsonObject().put("origin", origin).put("changes", flat));
    }
    msg.reply(new JsonObject().put("status", 200).put("body", new JsonObject()
        .put("settings", next.toPublicJson()).put("changed", new JsonArray(keys(changed)))));
  }

  /** Another node's admin change: the same validation, applied here too. Our own are already applied. */
  private void onClusterChange(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    String from = body.getString("origin");
    if (origin.equals(from)) {
      return;
    }
    GatewaySettings current = live.current();
    GatewaySettings next;
    try {
      next = SettingsValidator.apply(current, body.getJsonObject("changes", new JsonObject()));
    } catch (SettingsException e) {
      refuse(Source.CLUSTER, "invalid_settings", e.getMessage(), problems(e));
      return;
    }
    List<Setting<?>> changed = next.changedFrom(current);
    if (changed.stream().anyMatch(s -> !s.live())) {
      refuse(Source.CLUSTER, "restart_required", "a cluster change from " + from + " names restart-only keys "
          + keys(changed.stream().filter(s -> !s.live()).toList()), new JsonArray());
      return;
    }
    if (!changed.isEmpty()) {
      LOG.info("event=config_accepted source=cluster origin={} changed={}", from, diff(changed, current, next));
      apply(next, Source.CLUSTER);
    }
  }

  /** The origin id this node puts on its cluster changes. */
  public String origin() {
    return origin;
  }

  // ---- shared --------------------------------------------------------------------------------

  private void apply(GatewaySettings next, Source source) {
    boolean limitChanged = next.maxEventBytes() != live.current().maxEventBytes();
    live.apply(vertx, next);
    status.accepted(source);
    if (limitChanged) {
      limitsOut.send(limitsJson(next));
    }
  }

  private static JsonObject limitsJson(GatewaySettings settings) {
    return new JsonObject().put(BusAddresses.MAX_EVENT_BYTES_KEY, settings.maxEventBytes());
  }

  private void refuse(Source source, String error, String message, JsonArray problems) {
    if (source == Source.FILE) {
      LOG.warn("event=config_rejected source=file file={} error={} problem=\"{}\" kept=settings_in_force",
          confFile, error, message.replace('"', '\''));
    } else {
      LOG.warn("event=config_rejected source={} error={} problem=\"{}\" kept=settings_in_force",
          source.name().toLowerCase(java.util.Locale.ROOT), error, message.replace('"', '\''));
    }
    status.rejected(new Rejection(Instant.now(), source, error, message, problems));
  }

  private static JsonArray problems(SettingsException e) {
    return e.toJson().getJsonArray("problems");
  }

  private static List<String> keys(List<Setting<?>> settings) {
    return settings.stream().map(Setting::key).toList();
  }

  /**
   * {@code [heartbeat_ms: 10000 -> 2000, admin.token: (secret changed)]}: a secret's value is never shown, nor one
   * under a secret name in a publisher's config (masked as in {@code GET /admin/config}).
   */
  static String diff(List<Setting<?>> keys, GatewaySettings before, GatewaySettings after) {
    JsonObject b = before.toPublicJson();
    JsonObject a = after.toPublicJson();
    return keys.stream().map(s -> s.key() + ": " + (s.secret() ? "(secret " + ("".equals(a.getValue(s.key()))
            ? "removed" : "".equals(b.getValue(s.key())) ? "set" : "changed") + ")"
            : b.getValue(s.key()) + " -> " + a.getValue(s.key())))
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
