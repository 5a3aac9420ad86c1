package dev.ssegateway.client;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Settings of an {@link SseClient}, a data object in the Vert.x style: defaults next to their field, fluent
 * setters, a copy constructor, a {@link JsonObject} constructor and {@link #toJson()} using the same keys.
 * {@link #validate()} names the key and the allowed range of a bad value.
 */
public class SseClientOptions {

  /** Delay of the first reconnect before jitter, replaced by the server's {@code retry:}. Range 1..600000 ms. */
  public static final long DEFAULT_BASE_DELAY_MS = 500;
  /** Cap of the exponential reconnect delay before jitter. Range baseDelayMs..3600000 ms. */
  public static final long DEFAULT_MAX_DELAY_MS = 30_000;
  /** Relative jitter of every reconnect delay. Range [0, 1). */
  public static final double DEFAULT_JITTER = 0.25;
  /** A connection with no byte for stallFactor x heartbeat_ms is dead. Range [1.5, 100]. */
  public static final double DEFAULT_STALL_FACTOR = 2.5;
  /** heartbeat_ms assumed until the server's {@code hello} says otherwise. Range 100..3600000 ms. */
  public static final long DEFAULT_INITIAL_HEARTBEAT_MS = 10_000;
  /** Longest SSE line accepted; a longer one is a malformed stream. Range 1024..268435456 bytes. */
  public static final int DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
  /** Events parsed but not yet handed to the handler before the response is paused. Range 1..1000000. */
  public static final int DEFAULT_MAX_QUEUED_EVENTS = 1000;
  /** TCP connect timeout. Range 1..600000 ms. */
  public static final int DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  /** Deliver {@code hello} and {@code heartbeat} events to the handler too. */
  public static final boolean DEFAULT_DELIVER_CONTROL_EVENTS = false;
  /** Path of the gateway's SSE endpoint, appended to every base URL. */
  public static final String DEFAULT_PATH = "/events";

  private List<String> urls = new ArrayList<>();
  private List<String> topics = new ArrayList<>();
  private String path = DEFAULT_PATH;
  private long baseDelayMs = DEFAULT_BASE_DELAY_MS;
  private long maxDelayMs = DEFAULT_MAX_DELAY_MS;
  private double jitter = DEFAULT_JITTER;
  private double stallFactor = DEFAULT_STALL_FACTOR;
  private long initialHeartbeatMs = DEFAULT_INITIAL_HEARTBEAT_MS;
  private String lastEventId;
  private int maxLineBytes = DEFAULT_MAX_LINE_BYTES;
  private int maxQueuedEvents = DEFAULT_MAX_QUEUED_EVENTS;
  private int connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private boolean deliverControlEvents = DEFAULT_DELIVER_CONTROL_EVENTS;
  private Map<String, String> headers = new LinkedHashMap<>();
  private Supplier<Future<String>> tokenSupplier;

  public SseClientOptions() {
  }

  public SseClientOptions(SseClientOptions other) {
    this.urls = new ArrayList<>(other.urls);
    this.topics = new ArrayList<>(other.topics);
    this.path = other.path;
    this.baseDelayMs = other.baseDelayMs;
    this.maxDelayMs = other.maxDelayMs;
    this.jitter = other.jitter;
    this.stallFactor = other.stallFactor;
    this.initialHeartbeatMs = other.initialHeartbeatMs;
    this.lastEventId = other.lastEventId;
    this.maxLineBytes = other.maxLineBytes;
    this.maxQueuedEvents = other.maxQueuedEvents;
    this.connectTimeoutMs = other.connectTimeoutMs;
    this.deliverControlEvents = other.deliverControlEvents;
    this.headers = new LinkedHashMap<>(other.headers);
    this.tokenSupplier = other.tokenSupplier;
  }

  public SseClientOptions(JsonObject json) {
    JsonArray u = json.getJsonArray("urls");
    if (u != null) {
      u.forEach(v -> urls.add(String.valueOf(v)));
    }
    JsonArray t = json.getJsonArray("topics");
    if (t != null) {
      t.forEach(v -> topics.add(String.valueOf(v)));
    }
    path = json.getString("path", DEFAULT_PATH);
    baseDelayMs = json.getLong("baseDelayMs", DEFAULT_BASE_DELAY_MS);
    maxDelayMs = json.getLong("maxDelayMs", DEFAULT_MAX_DELAY_MS);
    jitter = json.getDouble("jitter", DEFAULT_JITTER);
    stallFactor = json.getDouble("stallFactor", DEFAULT_STALL_FACTOR);
    initialHeartbeatMs = json.getLong("initialHeartbeatMs", DEFAULT_INITIAL_HEARTBEAT_MS);
    lastEventId = json.getString("lastEventId");
    maxLineBytes = json.getInteger("maxLineBytes", DEFAULT_MAX_LINE_BYTES);
    maxQueuedEvents = json.getInteger("maxQueuedEvents", DEFAULT_MAX_QUEUED_EVENTS);
    connectTimeoutMs = json.getInteger("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS);
    deliverControlEvents = json.getBoolean("deliverControlEvents", DEFAULT_DELIVER_CONTROL_EVENTS);
    JsonObject h = json.getJsonObject("headers");
    if (h != null) {
      h.forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("urls", new JsonArray(new ArrayList<>(urls)))
        .put("topics", new JsonArray(new ArrayList<>(topics)))
        .put("path", path)
        .put("baseDelayMs", baseDelayMs)
        .put("maxDelayMs", maxDelayMs)
        .put("jitter", jitter)
        .put("stallFactor", stallFactor)
        .put("initialHeartbeatMs", initialHeartbeatMs)
        .put("maxLineBytes", maxLineBytes)
        .put("maxQueuedEvents", maxQueuedEvents)
        .put("connectTimeoutMs", connectTimeoutMs)
        .put("deliverControlEvents", deliverControlEvents)
        .put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    if (lastEventId != null) {
      json.put("lastEventId", lastEventId);
    }
    return json;
  }

  /**
   * Checks every value against its range.
   *
   * @throws IllegalArgumentException naming the key and the allowed range
   */
  public SseClientOptions validate() {
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("urls: at least one base URL is required");
    }
    for (String url : urls) {
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("urls: '" + url + "' is not a URL: " + e.getMessage());
      }
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("urls: '" + url + "' must be an absolute http:// or https:// URL");
      }
    }
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("topics: at least one topic is required");
    }
    range("baseDelayMs", baseDelayMs, 1, 600_000);
    range("maxDelayMs", maxDelayMs, baseDelayMs, 3_600_000);
    if (!(jitter >= 0 && jitter < 1)) {
      throw new IllegalArgumentException("jitter: must be in [0, 1), got " + jitter);
    }
    if (!(stallFactor >= 1.5 && stallFactor <= 100)) {
      throw new IllegalArgumentException("stallFactor: must be in [1.5, 100], got " + stallFactor);
    }
    range("initialHeartbeatMs", initialHeartbeatMs, 100, 3_600_000);
    range("maxLineBytes", maxLineBytes, 1024, 256L * 1024 * 1024);
    range("maxQueuedEvents", maxQueuedEvents, 1, 1_000_000);
    range("connectTimeoutMs", connectTimeoutMs, 1, 600_000);
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("path: must start with '/', got " + path);
    }
    return this;
  }

  private static void range(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(key + ": must be in " + min + ".." + max + ", got " + value);
    }
  }

  public List<String> getUrls() {
    return urls;
  }

  /** Base URLs of gateways (e.g. {@code http://gw1:8080}); a failed attempt moves to the next one. */
  public SseClientOptions setUrls(List<String> urls) {
    this.urls = new ArrayList<>(urls);
    return this;
  }

  public SseClientOptions addUrl(String url) {
    urls.add(url);
    return this;
  }

  public List<String> getTopics() {
    return topics;
  }

  public SseClientOptions setTopics(List<String> topics) {
    this.topics = new ArrayList<>(topics);
    return this;
  }

  public SseClientOptions addTopic(String topic) {
    topics.add(topic);
    return this;
  }

  public String getPath() {
    return path;
  }

  public SseClientOptions setPath(String path) {
    this.path = path;
    return this;
  }

  public long getBaseDelayMs() {
    return baseDelayMs;
  }

  public SseClientOptions setBaseDelayMs(long baseDelayMs) {
    this.baseDelayMs = baseDelayMs;
    return this;
  }

  public long getMaxDelayMs() {
    return maxDelayMs;
  }

  public SseClientOptions setMaxDelayMs(long maxDelayMs) {
    this.maxDelayMs = maxDelayMs;
    return this;
  }

  public double getJitter() {
    return jitter;
  }

  public SseClientOptions setJitter(double jitter) {
    this.jitter = jitter;
    return this;
  }

  public double getStallFactor() {
    return stallFactor;
  }

  public SseClientOptions setStallFactor(double stallFactor) {
    this.stallFactor = stallFactor;
    return this;
  }

  public long getInitialHeartbeatMs() {
    return initialHeartbeatMs;
  }

  public SseClientOptions setInitialHeartbeatMs(long initialHeartbeatMs) {
    this.initialHeartbeatMs = initialHeartbeatMs;
    return this;
  }

  public String getLastEventId() {
    return lastEventId;
  }

  /** Where the first connection starts (sent as {@code Last-Event-ID}); null for "from now". */
  public SseClientOptions setLastEventId(String lastEventId) {
    this.lastEventId = lastEventId;
    return this;
  }

  public int getMaxLineBytes() {
    return maxLineBytes;
  }

  public SseClientOptions setMaxLineBytes(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
    return this;
  }

  public int getMaxQueuedEvents() {
    return maxQueuedEvents;
  }

  public SseClientOptions setMaxQueuedEvents(int maxQueuedEvents) {
    this.maxQueuedEvents = maxQueuedEvents;
    return this;
  }

  public int getConnectTimeoutMs() {
    return connectTimeoutMs;
  }

  public SseClientOptions setConnectTimeoutMs(int connectTimeoutMs) {
    this.connectTimeoutMs = connectTimeoutMs;
    return this;
  }

  public boolean isDeliverControlEvents() {
    return deliverControlEvents;
  }

  public SseClientOptions setDeliverControlEvents(boolean deliverControlEvents) {
    this.deliverControlEvents = deliverControlEvents;
    return this;
  }

  public Map<String, String> getHeaders() {
    return headers;
  }

  public SseClientOptions setHeaders(Map<String, String> headers) {
    this.headers = new LinkedHashMap<>(headers);
    return this;
  }

  public Supplier<Future<String>> getTokenSupplier() {
    return tokenSupplier;
  }

  /**
   * Where the client gets its JWT: asked before every connection attempt (the first one, every reconnect, and
   * at once when the gateway ends the stream with {@code expired}); the token is sent as
   * {@code Authorization: Bearer <token>}. A supplier that fails, completes with an empty token or takes longer
   * than {@code connectTimeoutMs} counts as a failed attempt (backoff). Called on the client's context: it must
   * not block. Not part of {@link #toJson()}. Null (default): no token, or a fixed one in {@link #putHeader}.
   */
  public SseClientOptions setTokenSupplier(Supplier<Future<String>> tokenSupplier) {
    this.tokenSupplier = tokenSupplier;
    return this;
  }

  /** A header sent with every request, e.g. {@code Authorization}. */
  public SseClientOptions putHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
