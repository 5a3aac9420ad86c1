package dev.ssegateway.core;

import dev.ssegateway.core.Setting.Reload;
import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's settings: every key with its default, range and reload behaviour, and an immutable
 * set of values. Build one with {@link SettingsValidator}; every value in it has been validated.
 * In the conf file a key {@code a.b} may be written flat ({@code "a.b": 1}) or nested
 * ({@code "a": {"b": 1}}).
 */
public final class GatewaySettings {

  private static final Reload LIVE = Reload.LIVE;
  private static final Reload RESTART = Reload.RESTART;

  public static final Setting<String> NODE_ID = Setting.text("node_id", "",
      "[A-Za-z0-9_-]{0,32}", RESTART,
      "name of this node: the origin part of event ids it assigns; empty = a random name");
  public static final Setting<String> HTTP_HOST = Setting.text("http.host", "0.0.0.0",
      "[A-Za-z0-9.:\\[\\]_-]{1,255}", RESTART, "address the HTTP server binds to");
  public static final Setting<Integer> HTTP_PORT = Setting.integer("http.port", 8080, 0, 65535, RESTART,
      "HTTP port (0 = any free port)");
  public static final Setting<String> HTTP_ALLOWED_HOSTS = Setting.text("http.allowed_hosts", "",
      "[A-Za-z0-9.:\\[\\]_, -]{0,4096}", LIVE,
      "comma-separated host names (besides localhost and loopback addresses) that a request's Host may name "
          + "when it relies on loopback trust (no token configured)");
  public static final Setting<String> HTTP_WEBROOT = Setting.text("http.webroot", "", "[^\\x00-\\x1f]{0,4096}",
      RESTART, "folder served at / instead of the built-in page (symlinks out of it are refused); empty = built-in");
  public static final Setting<Integer> HTTP_INSTANCES = Setting.integer("http.instances", 0, 0, 256, RESTART,
      "gateway verticle instances, one event loop each; 0 = one per CPU core");
  public static final Setting<Boolean> HTTP_HTTP2 = Setting.flag("http.http2", true, RESTART,
      "serve HTTP/2 besides HTTP/1.1 on the same port: with TLS by ALPN (h2, http/1.1); without TLS as h2c (prior "
          + "knowledge, and Upgrade: h2c) unless http.h2c is off");
  /**
   * On by default: the connection gate admits, times and bounds a cleartext connection from its accept, before it is
   * known to speak HTTP/1.1 or HTTP/2. Off is a switch for cleartext HTTP/1.1 only, while TLS keeps HTTP/2.
   */
  public static final Setting<Boolean> HTTP_H2C = Setting.flag("http.h2c", true, RESTART,
      "with http.http2 and without TLS, serve cleartext HTTP/2 (prior knowledge, and Upgrade: h2c) on the HTTP/1.1 "
          + "port; off: cleartext connections speak HTTP/1.1 only and an Upgrade: h2c is answered in HTTP/1.1");
  public static final Setting<Integer> HEARTBEAT_MS = Setting.integer("heartbeat_ms", 10000, 1000, 60000, LIVE,
      "interval of each connection's heartbeat");
  public static final Setting<String> HEARTBEAT_MODE = Setting.choice("heartbeat_mode", "event",
      List.of("event", "comment"), LIVE,
      "event = a named 'heartbeat' event visible to browser code; comment = an SSE comment line");
  public static final Setting<Integer> RETRY_MS = Setting.integer("retry_ms", 500, 100, 60000, LIVE,
      "reconnect base delay announced to clients in the 'retry:' field");
  public static final Setting<Integer> HISTORY_MAX_EVENTS = Setting.integer("history.max_events", 1000, 0, 1_000_000,
      LIVE, "events kept per topic for Last-Event-ID resume");
  public static final Setting<Integer> HISTORY_MAX_AGE_MS = Setting.integer("history.max_age_ms", 300_000, 1000,
      86_400_000, LIVE, "oldest event kept for resume, in ms");
  public static final Setting<Integer> HISTORY_MAX_TOPICS = Setting.integer("history.max_topics", 10_000, 1,
      1_000_000, LIVE, "topics with a history; the least recently published topic is dropped beyond it");
  /**
   * 256 MiB: {@code java -jar} without -Xmx gets a quarter of RAM as heap and as much direct memory, so 512 MiB of
   * each on a 2 GiB machine; the history (mostly off-heap frames) then takes at most half of the direct memory and
   * leaves the rest for write queues and I/O.
   */
  public static final Setting<Integer> HISTORY_MAX_BYTES = Setting.integer("history.max_bytes", 256 * 1024 * 1024,
      1024 * 1024, 1024 * 1024 * 1024, LIVE,
      "bytes (heap and off-heap) all topic histories may hold; the oldest events are evicted first beyond it");
  public static final Setting<Integer> MAX_EVENT_BYTES = Setting.integer(BusAddresses.MAX_EVENT_BYTES_KEY, EventPublisher.DEFAULT_MAX_EVENT_BYTES, 16,
      16 * 1024 * 1024, LIVE, "largest event data accepted, in UTF-8 bytes");
  public static final Setting<Integer> MAX_TOPICS_PER_CONNECTION = Setting.integer("limits.max_topics_per_connection",
      32, 1, 1024, LIVE, "topics one stream may subscribe to");
  public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("limits.max_connections", 100_000, 1,
      10_000_000, LIVE, "open streams per node; beyond it new streams get 503 with Retry-After");
  public static final Setting<Integer> WRITE_QUEUE_BYTES = Setting.integer("limits.write_queue_bytes", 1024 * 1024,
      4096, 64 * 1024 * 1024, LIVE,
      "bytes a slow client may owe before its stream is cut (it resumes from its last id)");
  public static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = Setting.integer(
      "limits.max_connections_per_address", 10_000, 1, 10_000_000, LIVE,
      "open streams per client IP address on this node; beyond it new streams get 429 with Retry-After");
  public static final Setting<Integer> MAX_STREAMS_PER_CONNECTION = Setting.integer(
      "limits.max_streams_per_connection", 100, 1, 10_000, RESTART,
      "HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS); each stream also "
          + "counts in limits.max_connections and limits.max_connections_per_address");
  public static final Setting<Integer> MAX_HEADER_BYTES = Setting.integer("limits.max_header_bytes", 8192, 1024,
      1024 * 1024, RESTART, "largest request header block, in bytes; larger requests get 431");
  public static final Setting<Integer> REQUEST_TIMEOUT_MS = Setting.integer("limits.request_timeout_ms", 10_000, 100,
      600_000, LIVE, "time a connection has to send a request head, and a request its body, before it is closed "
      + "(408); idle keep-alive connections are closed after 1-2 times this; streams are never affected");
  public static final Setting<Integer> FD_RESERVE = Setting.integer("limits.fd_reserve", 1024, 64, 1_000_000, LIVE,
      "file descriptors kept free for loopback clients (health, admin) and the node's own files: beyond the "
      + "process's open-file limit minus this, new connections from other addresses are closed at once");
  public static final Setting<Integer> SHUTDOWN_RETRY_JITTER_MS = Setting.integer("shutdown.retry_jitter_ms", 5000, 0,
      600_000, LIVE, "on shutdown each stream is told to retry after retry_ms plus a random 0..this, in ms");
  public static final Setting<Integer> SHUTDOWN_DRAIN_MS = Setting.integer("shutdown.drain_ms", 5000, 0, 60_000, LIVE,
      "on shutdown, how long in-flight writes may take before the remaining connections are closed");
  public static final Setting<Boolean> TICKER_ENABLED = Setting.flag("ticker.enabled", false, RESTART,
      "run the demo ticker publisher on this node");
  public static final Setting<String> TICKER_TOPIC = Setting.text("ticker.topic", "demo", Topics.TOPIC_REGEX, RESTART,
      "topic of the ticker's events");
  public static final Setting<Integer> TICKER_INTERVAL_MS = Setting.integer("ticker.interval_ms", 1000, 10,
      3_600_000, RESTART, "interval of the ticker's events");
  public static final Setting<JsonArray> PUBLISHERS = Setting.list("publishers", PublisherEntry.ALLOWED,
      PublisherEntry::problem, RESTART, "publisher verticles deployed once the gateway serves (docs/publishing.md)");
  public static final Setting<Boolean> INGEST_ENABLED = Setting.flag("ingest.enabled", true, RESTART,
      "serve POST /publish/{topic}");
  public static final Setting<String> INGEST_TOKEN = Setting.text("ingest.token", "", "[\\x21-\\x7e]{0,512}", LIVE,
      "bearer token required by POST /publish; empty = only loopback peers may publish").asSecret();
  public static final Setting<String> ADMIN_TOKEN = Setting.text("admin.token", "", "[\\x21-\\x7e]{0,512}", LIVE,
      "bearer token required by /admin/*; empty = only loopback peers").asSecret();
  public static final Setting<String> AUTH_JWT_SECRET = Setting.text("auth.jwt_secret", "", "[\\x21-\\x7e]{0,512}",
      RESTART, "HS256 secret that signs JWTs; empty = no HS256 tokens").asSecret();
  public static final Setting<String> AUTH_JWT_PUBLIC_KEY_FILE = Setting.text("auth.jwt_public_key_file", "",
      "[^\\x00-\\x1f]{0,4096}", RESTART, "PEM file with the public key that verifies RS256/ES256 JWTs; empty = none");
  public static final Setting<String> AUTH_JWT_PUBLIC_KEY_ALGORITHM = Setting.choice("auth.jwt_public_key_algorithm",
      "RS256", List.of("RS256", "ES256"), RESTART, "algorithm of auth.jwt_public_key_file");
  public static final Setting<String> AUTH_JWT_ISSUER = Setting.text("auth.jwt_issuer", "", "[\\x20-\\x7e]{0,512}",
      RESTART, "required 'iss' claim of JWTs; empty = not checked");
  public static final Setting<String> AUTH_JWT_AUDIENCE = Setting.text("auth.jwt_audience", "", "[\\x20-\\x7e]{0,512}",
      RESTART, "required 'aud' claim of JWTs; empty = not checked");
  public static final Setting<String> AUTH_SUBSCRIBE_CLAIM = Setting.text("auth.subscribe_claim", "sse.subscribe",
      "[\\x21-\\x7e]{1,256}", LIVE, "claim listing the topics a JWT may subscribe to: a claim name, or a dotted path "
      + "into nested objects (realm_access.roles); an array, or a space-separated string (scope)");
  public static final Setting<String> AUTH_SUBSCRIBE_PREFIX = Setting.text("auth.subscribe_prefix", "",
      "[\\x21-\\x7e]{0,128}", LIVE, "prefix of the entries of auth.subscribe_claim that grant a topic "
      + "(sse:subscribe: for the scope sse:subscribe:orders); other entries are ignored");
  public static final Setting<String> AUTH_PUBLISH_CLAIM = Setting.text("auth.publish_claim", "sse.publish",
      "[\\x21-\\x7e]{1,256}", LIVE, "claim listing the topics a JWT may publish to (as auth.subscribe_claim)");
  public static final Setting<String> AUTH_PUBLISH_PREFIX = Setting.text("auth.publish_prefix", "",
      "[\\x21-\\x7e]{0,128}", LIVE, "prefix of the entries of auth.publish_claim that grant a topic");
  public static final Setting<String> AUTH_JWKS_URL = Setting.text("auth.jwks_url", "",
      "(https?://[\\x21-\\x7e]{1,2048})?", RESTART,
      "JWKS endpoint of the token issuer (RS256, ES256, EdDSA keys, chosen by kid); empty = none");
  public static final Setting<Integer> AUTH_JWKS_REFRESH_MS = Setting.integer("auth.jwks_refresh_ms", 300_000, 1000,
      86_400_000, RESTART, "how often the JWKS is fetched again (a removed key stops working after at most this)");
  public static final Setting<Integer> AUTH_JWKS_MIN_REFETCH_MS = Setting.integer("auth.jwks_min_refetch_ms", 10_000,
      100, 3_600_000, RESTART, "least time between two JWKS fetches caused by tokens naming an unknown kid");
  public static final Setting<Boolean> AUTH_SUBSCRIBE_REQUIRED = Setting.flag("auth.subscribe_required", false,
      RESTART, "GET /events needs a JWT whose sse.subscribe claim lists every requested topic");
  public static final Setting<String> CORS_ALLOWED_ORIGINS = Setting.text("cors.allowed_origins", "",
      "[A-Za-z0-9.:/\\[\\]*_, -]{0,4096}", RESTART,
      "comma-separated origins (https://app.example.com) allowed cross-origin; empty = CORS off");
  public static final Setting<Boolean> CORS_ALLOW_CREDENTIALS = Setting.flag("cors.allow_credentials", false, RESTART,
      "answer cross-origin requests with Access-Control-Allow-Credentials: true (cookies)");
  public static final Setting<String> TLS_CERT_FILE = Setting.text("tls.cert_file", "", "[^\\x00-\\x1f]{0,4096}",
      RESTART, "PEM certificate chain of the HTTPS server; empty (with tls.key_file) = plain HTTP; a renewed file is "
      + "loaded without a restart (tls.watch_ms)");
  public static final Setting<String> TLS_KEY_FILE = Setting.text("tls.key_file", "", "[^\\x00-\\x1f]{0,4096}",
      RESTART, "PEM private key (PKCS#8 or PKCS#1) of the HTTPS server");
  public static final Setting<Integer> TLS_WATCH_MS = Setting.integer("tls.watch_ms", 10_000, 100, 3_600_000, RESTART,
      "how often tls.cert_file and tls.key_file are checked for a renewed pair, loaded without a restart");
  public static final Setting<Integer> CONFIG_SCAN_MS = Setting.integer("config.scan_ms", 1000, 100, 60000, RESTART,
      "how often the conf file is checked for changes");

  /** Every key, in documentation order. */
  public static final List<Setting<?>> ALL = List.of(NODE_ID, HTTP_HOST, HTTP_PORT, HTTP_ALLOWED_HOSTS,
      HTTP_WEBROOT, HTTP_INSTANCES, HTTP_HTTP2, HTTP_H2C,
      HEARTBEAT_MS, HEARTBEAT_MODE, RETRY_MS, HISTORY_MAX_EVENTS, HISTORY_MAX_AGE_MS, HISTORY_MAX_TOPICS,
      HISTORY_MAX_BYTES, MAX_EVENT_BYTES, MAX_TOPICS_PER_CONNECTION, MAX_CONNECTIONS, WRITE_QUEUE_BYTES,
      MAX_CONNECTIONS_PER_ADDRESS, MAX_STREAMS_PER_CONNECTION, MAX_HEADER_BYTES, REQUEST_TIMEOUT_MS, FD_RESERVE,
      SHUTDOWN_RETRY_JITTER_MS, SHUTDOWN_DRAIN_MS,
      TICKER_ENABLED, TICKER_TOPIC, TICKER_INTERVAL_MS, PUBLISHERS, INGEST_ENABLED, INGEST_TOKEN, ADMIN_TOKEN,
      AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE, AUTH_JWT_PUBLIC_KEY_ALGORITHM, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE,
      AUTH_SUBSCRIBE_CLAIM, AUTH_SUBSCRIBE_PREFIX, AUTH_PUBLISH_CLAIM, AUTH_PUBLISH_PREFIX,
      AUTH_JWKS_URL, AUTH_JWKS_REFRESH_MS, AUTH_JWKS_MIN_REFETCH_MS, AUTH_SUBSCRIBE_REQUIRED, CORS_ALLOWED_ORIGINS, CORS_ALLOW_CREDENTIALS, TLS_CERT_FILE, TLS_KEY_FILE,
      TLS_WATCH_MS, CONFIG_SCAN_MS);

  /** The keys marked secret ({@link Setting#secret()}): the one list every display, log and mask check uses. */
  public static final List<Setting<?>> SECRETS = ALL.stream().filter(Setting::secret).toList();

  private static final GatewaySettings DEFAULTS;

  static {
    Map<Setting<?>, Object> values = new LinkedHashMap<>();
    ALL.forEach(s -> values.put(s, s.defaultValue()));
    DEFAULTS = new GatewaySettings(values);
  }

  private final Map<Setting<?>, Object> values;

  GatewaySettings(Map<Setting<?>, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  public static GatewaySettings defaults() {
    return DEFAULTS;
  }

  /** The descriptor of a key, or null when no such key exists. */
  public static Setting<?> find(String key) {
    for (Setting<?> s : ALL) {
      if (s.key().equals(key)) {
        return s;
      }
    }
    return null;
  }

  public <T> T get(Setting<T> setting) {
    return setting.type().cast(values.get(setting));
  }

  public int heartbeatMs() { return get(HEARTBEAT_MS); }
  public boolean heartbeatAsComment() { return "comment".equals(get(HEARTBEAT_MODE)); }
  public int retryMs() { return get(RETRY_MS); }
  public int maxEventBytes() { return get(MAX_EVENT_BYTES); }

  /** This node's origin name: the configured {@code node_id} or {@code fallback} when it is empty. */
  public String nodeId(String fallback) {
    String id = get(NODE_ID);
    return id.isEmpty() ? fallback : id;
  }

  /** The keys whose values differ between this and {@code other}. */
  public List<Setting<?>> changedFrom(GatewaySettings other) {
    return ALL.stream().filter(s -> !values.get(s).equals(other.values.get(s))).toList();
  }

  GatewaySettings with(Map<Setting<?>, Object> changes) {
    Map<Setting<?>, Object> next = new LinkedHashMap<>(values);
    next.putAll(changes);
    return new GatewaySettings(next);
  }

  /**
   * Flat JSON ({@code "http.port": 8080}) with secrets in clear, for the bus between nodes; display
   * {@link #toPublicJson()} instead. Parses back with {@link SettingsValidator}.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    values.forEach((s, v) -> json.put(s.key(), v));
    return json;
  }

  /**
   * Like {@link #toJson()} with every {@link #SECRETS secret} replaced by {@value Setting#MASK} when set, and the
   * values under secret names in each publisher's {@code config} too ({@link PublisherEntry#masked}): for display.
   */
  public JsonObject toPublicJson() {
    JsonObject json = toJson();
    for (Setting<?> secret : SECRETS) {
      if (!"".equals(values.get(secret))) {
        json.put(secret.key(), Setting.MASK);
      }
    }
    json.put(PUBLISHERS.key(), PublisherEntry.masked(get(PUBLISHERS)));
    return json;
  }

  /** The entries of a comma-separated list setting, trimmed, empty entries dropped. */
  public List<String> list(Setting<String> setting) {
    return java.util.Arrays.stream(get(setting).split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GatewaySettings && ((GatewaySettings) o).values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return toPublicJson().encode();
  }
}
