package dev.ssegateway.core;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The issuer's signing keys from its JWKS endpoint ({@code auth.jwks_url}): fetched at start, cached, fetched again
 * every {@code auth.jwks_refresh_ms} and at once when a token names a {@code kid} the cache does not hold (at most
 * once per {@code auth.jwks_min_refetch_ms}, and one fetch at a time, so that garbage {@code kid}s cannot make the
 * gateway hammer the issuer). A failed fetch keeps the cached keys.
 *
 * <p>vertx-auth-jwt verifies (it parses RSA, EC and OKP JWKs, selects a key by {@code kid} and algorithm, and throws
 * {@code NoSuchKeyIdException} for an unknown one) but has no JWKS fetching nor refreshing: that part is here. Each
 * key set becomes one immutable {@link JWTAuth}, swapped atomically. The answer is bounded: at most
 * {@value #MAX_BODY_BYTES} bytes, {@value #MAX_KEYS} keys, {@value #TIMEOUT_MS} ms; only signing keys of the
 * algorithms RS256, ES256 and EdDSA are taken (a symmetric {@code oct} key is never taken from a URL).
 */
public final class JwksKeys {

  private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);

  static final int MAX_BODY_BYTES = 256 * 1024;
  static final int MAX_KEYS = 100;
  static final int TIMEOUT_MS = 5000;
  /** Outcomes of a fetch, the labels of its counter: a fixed set. */
  public static final List<String> RESULTS = List.of("ok", "unreachable", "http_error", "too_large", "not_json",
      "too_many_keys", "no_usable_key");
  private static final Set<String> ALGORITHMS = Set.of("RS256", "ES256", "EdDSA");

  private final Vertx vertx;
  private final String url;
  private final JWTAuthOptions base;
  private final long refreshMs;
  private final long minRefetchMs;
  private final HttpClient http;
  private final Map<String, LongAdder> fetches = new ConcurrentHashMap<>();

  private volatile JWTAuth current;
  private volatile int keyCount;
  private volatile long lastSuccessMs = -1;
  private volatile long failingSinceMs = -1;
  private volatile String lastError;
  private long lastUnknownKidFetchMs = Long.MIN_VALUE / 2;
  private volatile long lastFetchStartMs;
  private Future<JWTAuth> inFlight;
  private long timerId = -1;

  /** {@code base}: the verification options (issuer, audience, static keys) every key set is combined with. */
  JwksKeys(Vertx vertx, String url, JWTAuthOptions base, long refreshMs, long minRefetchMs) {
    this.vertx = vertx;
    this.url = url;
    this.base = base;
    this.refreshMs = refreshMs;
    this.minRefetchMs = minRefetchMs;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(TIMEOUT_MS)
        .setIdleTimeout(30).setMaxRedirects(0));
    RESULTS.forEach(r -> fetches.put(r, new LongAdder()));
  }

  /**
   * Fetches the first key set and starts the schedule; completes either way (a failure is kept in the status). The
   * schedule fetches every {@code auth.jwks_refresh_ms}, and every {@code auth.jwks_min_refetch_ms} while no key set
   * was ever fetched (a node started while its issuer is down is not left without keys for a whole refresh period).
   */
  Future<Void> start() {
    return fetch().<Void>mapEmpty().recover(e -> Future.succeededFuture())
        .onComplete(v -> timerId = vertx.setPeriodic(Math.min(refreshMs, minRefetchMs), id -> {
          if (current == null || System.currentTimeMillis() - lastFetchStartMs >= refreshMs) {
            fetch();
          }
        }));
  }

  /** The verifier of the latest key set, or null before the first successful fetch. */
  JWTAuth current() {
    return current;
  }

  /**
   * After a token named an unknown {@code kid}: fetches again unless the last such fetch was less than
   * {@code auth.jwks_min_refetch_ms} ago; completes with the verifier to try again with, or null when no fetch was
   * allowed (the token is then refused).
   */
  Future<JWTAuth> refetchForUnknownKid() {
    Future<JWTAuth> fetched;
    synchronized (this) {
      long now = System.currentTimeMillis();
      if (inFlight != null) {
        fetched = inFlight;
      } else if (now - lastUnknownKidFetchMs < minRefetchMs) {
        return Future.succeededFuture(null);
      } else {
        lastUnknownKidFetchMs = now;
        fetched = fetch();
      }
    }
    // the fetch completes on the HTTP client's event loop: the caller goes on on its own (its request's)
    Context caller = vertx.getOrCreateContext();
    Promise<JWTAuth> back = Promise.promise();
    fetched.onComplete(ar -> caller.runOnContext(v -> back.complete(ar.succeeded() ? ar.result() : current)));
    return back.future();
  }

  /** Fetches the key set now; one fetch at a time (a caller during a fetch shares it). */
  synchronized Future<JWTAuth> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    Promise<JWTAuth> done = Promise.promise();
    inFlight = done.future();
    lastFetchStartMs = System.currentTimeMillis();
    download().compose(this::keySet).onComplete(ar -> {
      synchronized (this) {
        inFlight = null;
      }
      if (ar.succeeded()) {
        JWTAuth fresh = ar.result();
        current = fresh;
        lastSuccessMs = System.currentTimeMillis();
        if (failingSinceMs >= 0) {
          LOG.info("event=jwks_recovered url={} keys={}", url, keyCount);
        }
        failingSinceMs = -1;
        lastError = null;
        count("ok");
        done.complete(fresh);
      } else {
        // our own failures carry a message; anything else (a bug) is logged with its stack trace
        boolean explained = ar.cause() instanceof IllegalStateException && ar.cause().getMessage() != null;
        String error = explained ? ar.cause().getMessage() : String.valueOf(ar.cause());
        if (failingSinceMs < 0 || !error.equals(lastError)) {
          if (explained) {
            LOG.warn("event=jwks_fetch_failed url={} cached_keys={} cause=\"{}\"", url,
                current == null ? 0 : keyCount, error);
          } else {
            LOG.warn("event=jwks_fetch_failed url={} cached_keys={} cause=\"{}\"", url,
                current == null ? 0 : keyCount, error, ar.cause());
          }
        }
        if (failingSinceMs < 0) {
          failingSinceMs = System.currentTimeMillis();
        }
        lastError = error;
        done.fail(ar.cause());
      }
    });
    return done.future();
  }

  private void count(String result) {
    fetches.get(result).increment();
  }

  private Future<Buffer> download() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
        .putHeader("Accept", "application/json").setFollowRedirects(false).setTimeout(TIMEOUT_MS);
    // The response's handlers are set in the listener of req.response(), registered before the request is sent: it
    // runs on the request's context as the head arrives, before any of the body (a listener added to the future of
    // send() may run a loop turn later, when a small body has already ended: IllegalStateException).
    return http.request(request)
        .recover(e -> {
          count("unreachable");
          return Future.failedFuture(new IllegalStateException("cannot fetch the JWKS: " + e.getMessage()));
        })
        .compose(req -> {
          Promise<Buffer> body = Promise.promise();
          req.response().onComplete(ar -> {
            if (ar.failed()) {
              if (body.tryFail(new IllegalStateException("cannot fetch the JWKS: " + ar.cause().getMessage()))) {
                count("unreachable");
              }
              return;
            }
            HttpClientResponse resp = ar.result();
            if (resp.statusCode() != 200) {
              count("http_error");
              body.tryFail(new IllegalStateException("the JWKS endpoint answered " + resp.statusCode()));
              req.reset();
              return;
            }
            Buffer collected = Buffer.buffer();
            resp.handler(chunk -> {
              if (collected.length() + chunk.length() > MAX_BODY_BYTES) {
                if (body.tryFail(new IllegalStateException("the JWKS is larger than " + MAX_BODY_BYTES + " bytes"))) {
                  count("too_large");
                  req.reset();
                }
                return;
              }
              collected.appendBuffer(chunk);
            });
            resp.exceptionHandler(e -> {
              if (body.tryFail(new IllegalStateException("the JWKS answer broke off: " + e.getMessage()))) {
                count("unreachable");
              }
            });
            resp.endHandler(v -> body.tryComplete(collected));
          });
          req.end().onFailure(e -> {
            if (body.tryFail(new IllegalStateException("cannot fetch the JWKS: " + e.getMessage()))) {
              count("unreachable");
            }
          });
          return body.future();
        });
  }

  /** The verifier for a JWKS document: the usable signing keys in it, combined with {@link #base}. */
  private Future<JWTAuth> keySet(Buffer body) {
    try {
      return parseKeySet(body);
    } catch (RuntimeException e) {
      count("no_usable_key");
      return Future.failedFuture(new IllegalStateException("the JWKS could not be read: " + e, e));
    }
  }

  private Future<JWTAuth> parseKeySet(Buffer body) {
    JsonArray keys;
    try {
      Object parsed = StrictJson.object(body.toString()).getValue("keys");
      if (!(parsed instanceof JsonArray array)) {
        count("not_json");
        return Future.failedFuture(new IllegalStateException("the JWKS has no 'keys' array"));
      }
      keys = array;
    } catch (DecodeException | IllegalArgumentException e) {
      count("not_json");
      return Future.failedFuture(new IllegalStateException("the JWKS is not a JSON object"));
    }
    if (keys.size() > MAX_KEYS) {
      count("too_many_keys");
      return Future.failedFuture(new IllegalStateException("the JWKS holds " + keys.size() + " keys, more than "
          + MAX_KEYS));
    }
    List<JsonObject> usable = new ArrayList<>();
    for (Object k : keys) {
      if (k instanceof JsonObject jwk) {
        JsonObject key = usableKey(jwk);
        if (key != null) {
          usable.add(key);
        }
      }
    }
    if (usable.isEmpty()) {
      count("no_usable_key");
      return Future.failedFuture(new IllegalStateException("the JWKS holds no usable signing key (RS256, ES256, "
          + "EdDSA with a kid)"));
    }
    // a fresh options object: JWTAuthOptions' copy constructor shares its key lists with the original
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(base.getJWTOptions())
        .setPubSecKeys(new ArrayList<>(base.getPubSecKeys() == null ? List.of() : base.getPubSecKeys()))
        .setJwks(usable);
    try {
      JWTAuth auth = JWTAuth.create(vertx, options);
      keyCount = usable.size();
      return Future.succeededFuture(auth);
    } catch (RuntimeException e) {
      count("no_usable_key");
      return Future.failedFuture(new IllegalStateException("the JWKS keys cannot be used: " + e.getMessage()));
    }
  }

  /**
   * A copy of {@code jwk} that vertx-auth-jwt can verify with, or null: a signing key ({@code use} absent or
   * {@code sig}) with a valid {@code kid}, of type RSA, EC P-256 or OKP Ed25519, whose algorithm (given, or implied
   * by its type) is RS256, ES256 or EdDSA.
   */
  static JsonObject usableKey(JsonObject jwk) {
    String kty = jwk.getValue("kty") instanceof String s ? s : "";
    Object use = jwk.getValue("use");
    Object kid = jwk.getValue("kid");
    if (use != null && !"sig".equals(use) || !(kid instanceof String id) || TokenAuth.kidProblem(id) != null) {
      return null;
    }
    String implied = switch (kty) {
      case "RSA" -> jwk.getValue("n") instanceof String && jwk.getValue("e") instanceof String ? "RS256" : null;
      case "EC" -> "P-256".equals(jwk.getValue("crv")) && jwk.getValue("x") instanceof String
          && jwk.getValue("y") instanceof String ? "ES256" : null;
      case "OKP" -> "Ed25519".equals(jwk.getValue("crv")) && jwk.getValue("x") instanceof String ? "EdDSA" : null;
      default -> null;
    };
    Object alg = jwk.getValue("alg");
    if (implied == null || alg != null && !implied.equals(alg) || !ALGORITHMS.contains(implied)) {
      return null;
    }
    JsonObject key = new JsonObject().put("kty", kty).put("kid", id).put("alg", implied).put("use", "sig");
    for (String field : List.of("n", "e", "crv", "x", "y")) {
      if (jwk.getValue(field) instanceof String value) {
        key.put(field, value);
      }
    }
    return key;
  }

  /** Keys in the current set. */
  public int keyCount() {
    return current == null ? 0 : keyCount;
  }

  /** Fetches by outcome ({@link #RESULTS}). */
  public long fetches(String result) {
    LongAdder n = fetches.get(result);
    return n == null ? 0 : n.sum();
  }

  /** When the endpoint has been failing since (epoch ms), or -1 when the last fetch succeeded. */
  public long failingSinceMs() {
    return failingSinceMs;
  }

  public String lastError() {
    return lastError;
  }

  public long lastSuccessMs() {
    return lastSuccessMs;
  }

  public String url() {
    return url;
  }

  void close() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    http.close();
  }
}
