package dev.ssegateway.client;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import dev.ssegateway.core.WireNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * A Server-Sent-Events client that keeps one gateway stream alive for hours: it notices a silently dead
 * connection (no byte for {@code stallFactor x heartbeat_ms}, the interval learned from {@code hello} and
 * every {@code heartbeat}), reconnects with jittered exponential {@link Backoff} (or the server's
 * {@code Retry-After}) round robin over its URLs, and resumes with the last id received as
 * {@code Last-Event-ID}. Errors retrying cannot fix (401, 403, 404, other 4xx, redirects) end in
 * {@link ConnectionState.Failed} at once. With a {@link SseClientOptions#setTokenSupplier token supplier} it asks
 * for a JWT before every attempt, and when the gateway ends the stream with {@code expired} it reconnects at once
 * (no backoff) with a fresh token and its last id, so a token refresh loses and repeats nothing.
 *
 * <p><b>Threading.</b> Everything runs on the Vert.x context that was current when the client was created
 * (a new event-loop context when created outside Vert.x); handlers are called there and must not block.
 * Public methods may be called from any thread.
 *
 * <p><b>Backpressure.</b> Parsed events go through a bounded queue of {@code maxQueuedEvents}. The
 * application controls delivery like a {@code ReadStream}: {@link #pause()}, {@link #resume()},
 * {@link #fetch(long)}. When the queue is full, the client stops parsing (keeping at most the unparsed rest
 * of one network chunk) and pauses the HTTP response, so TCP flow control pushes back on the server; it
 * resumes reading when the queue is half empty. The queue never holds more than {@code maxQueuedEvents}.
 * While the response is paused for that reason, stall detection is suspended (the silence is ours).
 */
public final class SseClient {

  private static final System.Logger LOG = System.getLogger(SseClient.class.getName());
  private static final int MAX_ERROR_BODY_BYTES = 4096;

  private final Vertx vertx;
  private final Context context;
  private final SseClientOptions options;
  private final List<String> urls;
  private final HttpClientAgent http;
  private final Backoff backoff;
  private final ArrayDeque<SseEvent> queue = new ArrayDeque<>();
  private final Promise<Void> closed = Promise.promise();

  private Consumer<SseEvent> handler = e -> { };
  private Consumer<ConnectionState> stateHandler = s -> { };
  private Consumer<Throwable> exceptionHandler = t -> LOG.log(System.Logger.Level.ERROR, "SSE handler failed", t);
  private volatile ConnectionState state;
  private boolean started;
  private boolean terminal;
  private boolean closing;
  private long demand = Long.MAX_VALUE;
  private boolean delivering;
  private boolean feeding;

  private String lastEventId;
  private long heartbeatMs;
  private int urlIndex;
  private long reconnectTimer = -1;

  // The current attempt. A callback whose generation is not the current one belongs to a dead attempt.
  private long generation;
  private String currentUrl;
  private HttpClientRequest request;
  private HttpClientResponse response;
  private SseParser parser;
  private boolean connectedReported;
  private Buffer pending;
  private boolean responsePaused;
  private long lastByteAt;
  private long stallTimer = -1;

  private SseClient(Vertx vertx, SseClientOptions options, DoubleSupplier random) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.urls = List.copyOf(options.getUrls());
    this.backoff = new Backoff(options.getBaseDelayMs(), options.getMaxDelayMs(), options.getJitter(), random);
    this.lastEventId = options.getLastEventId();
    this.heartbeatMs = options.getInitialHeartbeatMs();
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(options.getConnectTimeoutMs())
        .setKeepAlive(false)
        .setTcpKeepAlive(true)
        .setTcpNoDelay(true));
  }

  /**
   * A client bound to the current Vert.x context (or a new one). Nothing happens until {@link #start()}.
   *
   * @throws IllegalArgumentException when an option is out of range (the message names it)
   */
  public static SseClient create(Vertx vertx, SseClientOptions options) {
    return create(vertx, options, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** As {@link #create(Vertx, SseClientOptions)} with the jitter's random source given (for tests). */
  public static SseClient create(Vertx vertx, SseClientOptions options, DoubleSupplier random) {
    return new SseClient(vertx, new SseClientOptions(options).validate(), random);
  }

  /** Receives every event (without {@code hello}/{@code heartbeat} unless {@code deliverControlEvents}). */
  public SseClient handler(Consumer<SseEvent> handler) {
    this.handler = handler == null ? e -> { } : handler;
    return this;
  }

  /** Receives every state change, reconnects with their delay and reason included. */
  public SseClient stateHandler(Consumer<ConnectionState> stateHandler) {
    this.stateHandler = stateHandler == null ? s -> { } : stateHandler;
    return this;
  }

  /** Receives what the handlers throw (the stream goes on). Default: logged. */
  public SseClient exceptionHandler(Consumer<Throwable> exceptionHandler) {
    if (exceptionHandler != null) {
      this.exceptionHandler = exceptionHandler;
    }
    return this;
  }

  /** Opens the stream. Calling it again has no effect. */
  public SseClient start() {
    onContext(() -> {
      if (!started && !terminal) {
        started = true;
        connect();
      }
    });
    return this;
  }

  /** Stops delivering events; they queue up to {@code maxQueuedEvents}, then the response is paused. */
  public SseClient pause() {
    onContext(() -> demand = 0);
    return this;
  }

  /** Delivers events again, without limit. */
  public SseClient resume() {
    onContext(() -> {
      demand = Long.MAX_VALUE;
      drain();
    });
    return this;
  }

  /** Delivers {@code amount} more events, then pauses again. */
  public SseClient fetch(long amount) {
    onContext(() -> {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drain();
    });
    return this;
  }

  /**
   * Closes the stream and the HTTP client; the state becomes {@link ConnectionState.Closed} and queued
   * events are discarded. Idempotent.
   */
  public Future<Void> close() {
    onContext(() -> {
      if (closing) {
        return;
      }
      closing = true;
      terminal = true;
      generation++;
      teardown();
      cancelReconnect();
      queue.clear();
      setState(new ConnectionState.Closed());
      http.close().onComplete(closed);
    });
    return closed.future();
  }

  /** The current state; null before {@link #start()}. */
  public ConnectionState state() {
    return state;
  }

  /** The id the next connection would send as {@code Last-Event-ID} (the last one received). */
  public String lastEventId() {
    return lastEventId;
  }

  /** The heartbeat interval the stall detector currently assumes. */
  public long heartbeatMs() {
    return heartbeatMs;
  }

  /** Events parsed but not yet delivered; never more than {@code maxQueuedEvents}. */
  public int queuedEvents() {
    return queue.size();
  }

  /** True while the HTTP response is paused because the queue is full. */
  public boolean backpressured() {
    return responsePaused;
  }

  // ---- connection attempts ------------------------------------------------------------------------------

  private void connect() {
    reconnectTimer = -1;
    if (terminal) {
      return;
    }
    long gen = ++generation;
    String base = urls.get(urlIndex);
    currentUrl = base;
    connectedReported = false;
    setState(new ConnectionState.Connecting(base, lastEventId));
    // The stall detector also bounds the wait for a response: a server that accepts and says nothing is dead.
    lastByteAt = System.nanoTime();
    armStall(gen, stallTimeoutMs());
    token().onComplete(t -> onContext(() -> {
      if (gen != generation) {
        return;
      }
      if (t.failed()) {
        retryLater(gen, "no token: " + describe(t.cause()) + " (" + base + ")", -1);
      } else {
        open(gen, base, t.result());
      }
    }));
  }

  /** The token of the next attempt from {@code tokenSupplier} (null without one), bounded by the connect timeout. */
  private Future<String> token() {
    java.util.function.Supplier<Future<String>> supplier = options.getTokenSupplier();
    if (supplier == null) {
      return Future.succeededFuture(null);
    }
    Future<String> asked;
    try {
      asked = supplier.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (asked == null) {
      return Future.failedFuture(new IllegalStateException("the token supplier returned null"));
    }
    return asked.timeout(options.getConnectTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .compose(token -> token == null || token.isBlank()
            ? Future.failedFuture(new IllegalStateException("the token supplier gave an empty token"))
            : Future.succeededFuture(token.trim()));
  }

  private void open(long gen, String base, String token) {
    RequestOptions ro = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(endpoint(base))
        .setFollowRedirects(false)
        .putHeader(HttpHeaders.ACCEPT, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    options.getHeaders().forEach(ro::putHeader);
    if (token != null) {
      ro.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    if (lastEventId != null && !lastEventId.isEmpty()) {
      ro.putHeader(WireNames.LAST_EVENT_ID_HEADER, lastEventId);
    }
    http.request(ro).onComplete(made -> {
      if (made.failed()) {
        answered(gen, base, Future.failedFuture(made.cause()));
      } else if (gen != generation) {
        made.result().reset();
      } else {
        HttpClientRequest req = made.result();
        request = req;
        // The stream's handlers are set in the listener of send() itself: one composition further, the first chunk
        // (the hello) could be delivered before them.
        req.send().onComplete(ar -> answered(gen, base, ar));
      }
    });
  }

  private void answered(long gen, String base, io.vertx.core.AsyncResult<HttpClientResponse> ar) {
    if (gen != generation) {
      if (ar.succeeded()) {
        ar.result().exceptionHandler(t -> { }).request().reset();
      }
    } else if (ar.failed()) {
      retryLater(gen, describe(ar.cause()) + " (" + base + ")", -1);
    } else {
      onResponse(gen, base, ar.result());
    }
  }

  private String endpoint(String base) {
    StringBuilder url = new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
        .append(options.getPath());
    char sep = '?';
    for (String topic : options.getTopics()) {
      url.append(sep).append(WireNames.TOPIC_PARAM).append('=').append(URLEncoder.encode(topic, StandardCharsets.UTF_8));
      sep = '&';
    }
    return url.toString();
  }

  private void onResponse(long gen, String base, HttpClientResponse resp) {
    // Our own reset of a dead attempt surfaces as an exception on its response: expected, not news.
    resp.exceptionHandler(t -> { });
    int status = resp.statusCode();
    if (status == 200) {
      String type = resp.getHeader(HttpHeaders.CONTENT_TYPE);
      if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        retryLater(gen, "malformed stream: content type '" + type + "' is not text/event-stream (" + base + ")", -1);
        return;
      }
      response = resp;
      parser = new SseParser(this::onFrame, this::onComment, options.getMaxLineBytes());
      parser.lastId(lastEventId == null ? "" : lastEventId);
      resp.handler(buf -> onBytes(gen, buf));
      resp.endHandler(v -> retryLater(gen, "server ended the stream (" + base + ")", -1));
      resp.exceptionHandler(t -> retryLater(gen, "stream broken: " + describe(t) + " (" + base + ")", -1));
      lastByteAt = System.nanoTime();
      if (queue.size() >= options.getMaxQueuedEvents()) {
        pauseResponse();
      }
      return;
    }
    errorBody(resp).onComplete(ar -> {
      if (gen != generation) {
        return;
      }
      String body = ar.succeeded() ? ar.result() : "";
      String reason = "HTTP " + status + (resp.statusMessage() == null ? "" : " " + resp.statusMessage())
          + " from " + base + (body.isEmpty() ? "" : ": " + body);
      if (status == 429 || status == 503) {
        long retryAfter = Backoff.parseRetryAfter(resp.getHeader(HttpHeaders.RETRY_AFTER), System.currentTimeMillis());
        retryLater(gen, reason + (retryAfter >= 0 ? " (Retry-After " + retryAfter + " ms)" : ""), retryAfter);
      } else if (status >= 500 || status == 408) {
        retryLater(gen, reason, -1);
      } else {
        fail(gen, reason);
      }
    });
  }

  /** The start of an error response's body (JSON from the gateway), bounded; the rest is read and dropped. */
  private static Future<String> errorBody(HttpClientResponse resp) {
    Promise<String> body = Promise.promise();
    Buffer collected = Buffer.buffer();
    resp.handler(buf -> {
      int room = MAX_ERROR_BODY_BYTES - collected.length();
      if (room > 0) {
        collected.appendBuffer(buf.length() <= room ? buf : buf.getBuffer(0, room));
      }
    });
    resp.exceptionHandler(t -> body.tryComplete(collected.toString(StandardCharsets.UTF_8).trim()));
    resp.endHandler(v -> body.tryComplete(collected.toString(StandardCharsets.UTF_8).trim()));
    return body.future();
  }

  /** The attempt failed or the stream died: wait per the backoff (or Retry-After), then try the next URL. */
  private void retryLater(long gen, String reason, long retryAfterMs) {
    if (gen != generation || terminal) {
      return;
    }
    generation++;
    teardown();
    long delay = retryAfterMs >= 0 ? backoff.retryAfterDelayMs(retryAfterMs) : backoff.nextDelayMs();
    urlIndex = (urlIndex + 1) % urls.size();
    setState(new ConnectionState.Reconnecting(delay, backoff.attempt(), reason));
    if (!terminal) {
      reconnectTimer = vertx.setTimer(delay, id -> connect());
    }
  }

  /**
   * The gateway ended the stream on purpose ({@code expired}): a planned reconnect, at once, to the same URL, with a
   * fresh token and the last id; not a failure, so no backoff delay and the attempt count is not raised.
   */
  private void reconnectNow(String reason) {
    if (terminal) {
      return;
    }
    long gen = ++generation;
    teardown();
    cancelReconnect();
    setState(new ConnectionState.Reconnecting(0, backoff.attempt(), reason));
    // on the next turn: the parser that called us is still on the stack
    context.runOnContext(v -> {
      if (gen == generation && !terminal) {
        connect();
      }
    });
  }

  /** The server said no in a way retrying cannot fix. */
  private void fail(long gen, String reason) {
    if (gen != generation || terminal) {
      return;
    }
    generation++;
    terminal = true;
    teardown();
    cancelReconnect();
    setState(new ConnectionState.Failed(reason));
  }

  private void teardown() {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    if (request != null) {
      // On HTTP/1.x a reset closes the connection: a stalled socket is not kept nor reused.
      request.reset();
      request = null;
    }
    response = null;
    parser = null;
    pending = null;
    responsePaused = false;
  }

  private void cancelReconnect() {
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
  }

  // ---- stall detection ----------------------------------------------------------------------------------

  private long stallTimeoutMs() {
    return Math.round(options.getStallFactor() * heartbeatMs);
  }

  private void armStall(long gen, long delayMs) {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
    }
    stallTimer = vertx.setTimer(Math.max(1, delayMs), id -> checkStall(gen));
  }

  /** Fires at the earliest moment the stream could be stalled; re-arms itself for the remaining time. */
  private void checkStall(long gen) {
    stallTimer = -1;
    if (gen != generation) {
      return;
    }
    long timeout = stallTimeoutMs();
    if (responsePaused) {
      armStall(gen, timeout);
      return;
    }
    long idleMs = (System.nanoTime() - lastByteAt) / 1_000_000;
    if (idleMs >= timeout) {
      retryLater(gen, "stalled: no byte for " + idleMs + " ms (" + options.getStallFactor() + " x heartbeat "
          + heartbeatMs + " ms) from " + currentUrl, -1);
    } else {
      armStall(gen, timeout - idleMs);
    }
  }

  private void heartbeatInterval(long ms) {
    if (ms < 100 || ms > 3_600_000 || ms == heartbeatMs) {
      return;
    }
    boolean shorter = ms < heartbeatMs;
    heartbeatMs = ms;
    if (shorter && stallTimer >= 0) {
      long idleMs = (System.nanoTime() - lastByteAt) / 1_000_000;
      armStall(generation, stallTimeoutMs() - idleMs);
    }
  }

  // ---- reading the stream -------------------------------------------------------------------------------

  private void onBytes(long gen, Buffer buf) {
    if (gen != generation) {
      return;
    }
    lastByteAt = System.nanoTime();
    if (pending != null) {
      pending = Buffer.buffer(pending.length() + buf.length()).appendBuffer(pending).appendBuffer(buf);
      return;
    }
    feed(gen, buf);
  }

  /**
   * Feeds the parser line by line so that it can stop when the queue is full: each slice ends at a line
   * break and so dispatches at most one event. The unparsed rest is kept in {@code pending}.
   */
  private void feed(long gen, Buffer buf) {
    feeding = true;
    try {
      int start = 0;
      int len = buf.length();
      for (int i = 0; i < len; i++) {
        byte b = buf.getByte(i);
        if (b == '\n' || b == '\r') {
          if (queue.size() >= options.getMaxQueuedEvents()) {
            pending = buf.getBuffer(start, len);
            pauseResponse();
            return;
          }
          parser.feed(buf.slice(start, i + 1));
          start = i + 1;
          if (gen != generation) {
            return;
          }
        }
      }
      if (start < len) {
        parser.feed(buf.slice(start, len));
      }
    } catch (RuntimeException e) {
      retryLater(gen, "malformed stream: " + e.getMessage() + " (" + currentUrl + ")", -1);
    } finally {
      feeding = false;
    }
  }

  private void onFrame(SseFrame frame) {
    if (WireNames.REFUSED.equals(frame.type())) {
      // A refusal that retrying fixes, in the form a native EventSource follows: a failed attempt, not an event
      // (the backoff goes on, the server's delay counts as its Retry-After).
      JsonObject data = json(frame.data());
      Object retryMs = data == null ? null : data.getValue("retry_ms");
      retryLater(generation, "refused by " + currentUrl + ": " + frame.data(),
          retryMs instanceof Number n ? n.longValue() : frame.retry() > 0 ? frame.retry() : -1);
      return;
    }
    backoff.reset();
    if (frame.retry() > 0) {
      backoff.base(frame.retry());
    }
    lastEventId = frame.id();
    String type = frame.type();
    if (WireNames.EXPIRED.equals(type)) {
      if (options.isDeliverControlEvents()) {
        queue.add(new SseEvent(type, frame.id(), frame.data()));
        drain();
      }
      reconnectNow("token expired: the gateway ended the stream (" + currentUrl + ")");
      return;
    }
    boolean control = WireNames.HELLO.equals(type) || WireNames.HEARTBEAT.equals(type);
    if (control) {
      JsonObject data = json(frame.data());
      Object hb = data == null ? null : data.getValue("heartbeat_ms");
      if (hb instanceof Number) {
        heartbeatInterval(((Number) hb).longValue());
      }
      if (!connectedReported && WireNames.HELLO.equals(type)) {
        connectedReported = true;
        setState(new ConnectionState.Connected(currentUrl, data == null ? "" : data.getString("node", "")));
      }
    }
    if (!connectedReported) {
      connectedReported = true;
      setState(new ConnectionState.Connected(currentUrl, ""));
    }
    if (!control || options.isDeliverControlEvents()) {
      queue.add(new SseEvent(type, frame.id(), frame.data()));
      drain();
    }
  }

  /** Comment-mode heartbeats ({@code : heartbeat N}) count as received events and carry the interval. */
  private void onComment(String comment) {
    if (comment.startsWith(WireNames.HEARTBEAT)) {
      backoff.reset();
      String rest = comment.substring(WireNames.HEARTBEAT.length()).trim();
      long ms = commentInterval(rest);
      if (ms > 0) {
        heartbeatInterval(ms);
      }
    }
  }

  /**
   * The interval a comment heartbeat carries: the gateway writes {@code heartbeat {"heartbeat_ms":N}}; a bare
   * {@code heartbeat N} is accepted too. -1 when there is none.
   */
  static long commentInterval(String rest) {
    if (rest.startsWith("{")) {
      JsonObject data = json(rest);
      Object hb = data == null ? null : data.getValue("heartbeat_ms");
      return hb instanceof Number n ? n.longValue() : -1;
    }
    return !rest.isEmpty() && rest.length() < 10 && rest.chars().allMatch(Character::isDigit) ? Long.parseLong(rest) : -1;
  }

  private static JsonObject json(String text) {
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  // ---- delivery and backpressure ------------------------------------------------------------------------

  private void drain() {
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      while (demand > 0 && !queue.isEmpty() && !closing) {
        SseEvent event = queue.poll();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        try {
          handler.accept(event);
        } catch (Throwable t) {
          exceptionHandler.accept(t);
        }
      }
    } finally {
      delivering = false;
    }
    resumeResponseIfRoom();
  }

  private void pauseResponse() {
    if (!responsePaused && response != null) {
      responsePaused = true;
      response.pause();
    }
  }

  private void resumeResponseIfRoom() {
    if (!responsePaused || feeding || queue.size() > options.getMaxQueuedEvents() / 2) {
      return;
    }
    long gen = generation;
    if (pending != null) {
      Buffer rest = pending;
      pending = null;
      feed(gen, rest);
      if (gen != generation || pending != null) {
        return;
      }
    }
    responsePaused = false;
    lastByteAt = System.nanoTime();
    response.resume();
  }

  // ---- plumbing -----------------------------------------------------------------------------------------

  private void setState(ConnectionState next) {
    state = next;
    try {
      stateHandler.accept(next);
    } catch (Throwable t) {
      exceptionHandler.accept(t);
    }
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
