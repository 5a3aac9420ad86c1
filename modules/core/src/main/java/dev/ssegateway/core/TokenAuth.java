package dev.ssegateway.core;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * The one place that decides who may publish, subscribe and administer. A request proves itself with
 * the static {@code ingest.token} / {@code admin.token} (see {@link BearerAccess}) or with a JWT signed by
 * {@code auth.jwt_secret} (HS256), the key in {@code auth.jwt_public_key_file} (RS256/ES256) or a key of the
 * issuer's JWKS ({@code auth.jwks_url}, {@link JwksKeys}) whose claims grant it: {@code auth.publish_claim} and
 * {@code auth.subscribe_claim} (default {@value #PUBLISH_CLAIM} and {@value #SUBSCRIBE_CLAIM}) list topic names
 * ({@value #WILDCARD} = every topic), {@value #ADMIN_CLAIM} {@code true} grants {@code /admin/*}. A subscribe token's
 * {@code exp} also ends the stream ({@link Admission#expiresAtMs}). With no credential configured at all,
 * ingest and admin answer only to loopback peers.
 *
 * <p>Refusals are sent here, with {@link HttpErrors}: 401 {@code unauthorized} (no credential),
 * 401 {@code invalid_token} (malformed, expired, wrongly signed, wrong issuer or audience), 403
 * {@code forbidden} (valid token that does not grant this topic or admin, or a non-loopback peer when nothing
 * is configured), 403 {@code untrusted_host} / {@code untrusted_origin} (nothing configured and a request a web
 * page could have sent, see {@link BearerAccess}). A JWT's {@code exp}, {@code nbf} and {@code iat} are checked
 * here, after its signature, so that a refusal names the claim. One instance per Vert.x node, built at startup
 * ({@link #load}); key material is restart-only.
 */
public final class TokenAuth implements Shareable {

  public static final String PUBLISH_CLAIM = "sse.publish";
  public static final String SUBSCRIBE_CLAIM = "sse.subscribe";
  public static final String ADMIN_CLAIM = "sse.admin";
  /** Cookie that carries a subscribe token for EventSource, which cannot set headers. */
  public static final String COOKIE = "sse_token";
  /** Query parameter that carries a subscribe token (ends up in access logs: prefer the cookie). */
  public static final String QUERY_PARAM = "access_token";
  /** A claim entry that matches every topic. */
  public static final String WILDCARD = "*";

  private static final String MAP = "sse-gateway";
  private static final String KEY = "token-auth";
  private static final TokenAuth NO_JWT = new TokenAuth(null, null);
  private static final List<String> TIME_CLAIMS = List.of("exp", "nbf", "iat");
  /** The longest token looked at; a longer one is refused before any parsing. */
  public static final int MAX_TOKEN_BYTES = 8192;
  /** The longest {@code kid} accepted. */
  static final int MAX_KID_CHARS = 256;
  private static final java.util.regex.Pattern KID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:=+-]{1," + MAX_KID_CHARS + "}");

  /** Verifier of the configured secret and PEM key; null when only a JWKS (or nothing) is configured. */
  private final JWTAuth jwt;
  /** The issuer's JWKS keys (combined with the secret and PEM key); null without {@code auth.jwks_url}. */
  private final JwksKeys jwks;
  private final AuthRefusals refusals = new AuthRefusals();

  private TokenAuth(JWTAuth jwt, JwksKeys jwks) {
    this.jwt = jwt;
    this.jwks = jwks;
  }

  /** Whether any JWT key is configured: {@code auth.jwt_secret}, {@code auth.jwt_public_key_file} or {@code auth.jwks_url}. */
  public static boolean jwtConfigured(GatewaySettings settings) {
    return !settings.get(GatewaySettings.AUTH_JWT_SECRET).isEmpty()
        || !settings.get(GatewaySettings.AUTH_JWT_PUBLIC_KEY_FILE).isEmpty()
        || !settings.get(GatewaySettings.AUTH_JWKS_URL).isEmpty();
  }

  /**
   * Builds the node's instance from {@code settings} (reading the public key file without blocking) unless
   * it exists already; fails naming the key when the key material is unusable or
   * {@code auth.subscribe_required} is set without any JWT key.
   */
  public static Future<TokenAuth> load(Vertx vertx, GatewaySettings settings) {
    LocalMap<String, TokenAuth> map = vertx.sharedData().getLocalMap(MAP);
    TokenAuth existing = map.get(KEY);
    if (existing != null) {
      return Future.succeededFuture(existing);
    }
    String secret = settings.get(GatewaySettings.AUTH_JWT_SECRET);
    String keyFile = settings.get(GatewaySettings.AUTH_JWT_PUBLIC_KEY_FILE);
    String jwksUrl = settings.get(GatewaySettings.AUTH_JWKS_URL);
    if (!jwtConfigured(settings)) {
      if (settings.get(GatewaySettings.AUTH_SUBSCRIBE_REQUIRED)) {
        return Future.failedFuture(new IllegalStateException(GatewaySettings.AUTH_SUBSCRIBE_REQUIRED.key()
            + " is true but none of auth.jwt_secret, auth.jwt_public_key_file, auth.jwks_url is set"));
      }
      return Future.succeededFuture(install(map, NO_JWT));
    }
    Future<String> pem = keyFile.isEmpty() ? Future.succeededFuture(null)
        : vertx.fileSystem().readFile(keyFile).map(b -> b.toString())
            .recover(e -> Future.failedFuture(new IllegalStateException("auth.jwt_public_key_file: cannot read "
                + keyFile + ": " + e.getMessage())));
    return pem.compose(text -> {
      // exp, nbf and iat are checked by timeProblem after the signature, to name the claim that failed
      JWTOptions verify = new JWTOptions().setIgnoreExpiration(true);
      if (!settings.get(GatewaySettings.AUTH_JWT_ISSUER).isEmpty()) {
        verify.setIssuer(settings.get(GatewaySettings.AUTH_JWT_ISSUER));
      }
      if (!settings.get(GatewaySettings.AUTH_JWT_AUDIENCE).isEmpty()) {
        verify.addAudience(settings.get(GatewaySettings.AUTH_JWT_AUDIENCE));
      }
      JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(verify);
      if (!secret.isEmpty()) {
        options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
      }
      if (text != null) {
        options.addPubSecKey(new PubSecKeyOptions()
            .setAlgorithm(settings.get(GatewaySettings.AUTH_JWT_PUBLIC_KEY_ALGORITHM)).setBuffer(text));
      }
      JWTAuth fixed = null;
      if (!secret.isEmpty() || text != null) {
        try {
          fixed = JWTAuth.create(vertx, options);
        } catch (RuntimeException e) {
          return Future.failedFuture(new IllegalStateException("auth.jwt_public_key_file: " + keyFile
              + " is not a usable " + settings.get(GatewaySettings.AUTH_JWT_PUBLIC_KEY_ALGORITHM) + " PEM public key: "
              + e.getMessage()));
        }
      }
      if (jwksUrl.isEmpty()) {
        return Future.succeededFuture(install(map, new TokenAuth(fixed, null)));
      }
      JwksKeys keys = new JwksKeys(vertx, jwksUrl, options, settings.get(GatewaySettings.AUTH_JWKS_REFRESH_MS),
          settings.get(GatewaySettings.AUTH_JWKS_MIN_REFETCH_MS));
      JWTAuth staticKeys = fixed;
      return keys.start().map(v -> install(map, new TokenAuth(staticKeys, keys)));
    });
  }

  private static TokenAuth install(LocalMap<String, TokenAuth> map, TokenAuth fresh) {
    TokenAuth existing = map.putIfAbsent(KEY, fresh);
    if (existing != null && fresh.jwks != null) {
      fresh.jwks.close();
    }
    return existing == null ? fresh : existing;
  }

  /** The JWKS keys when {@code auth.jwks_url} is set (health, metrics), else null. */
  public JwksKeys jwks() {
    return jwks;
  }

  /** Refused credentials by reason ({@link AuthRefusals#REASONS}, a fixed set). */
  public AuthRefusals refusals() {
    return refusals;
  }

  /** Whether JWTs are accepted (a secret or a public key is configured). */
  public boolean jwtEnabled() {
    return jwt != null || jwks != null;
  }

  /**
   * {@code POST /publish/{topic}}: the ingest token, or a JWT whose {@value #PUBLISH_CLAIM} grants the topic.
   * Completes with true when the request may proceed; otherwise the refusal has been sent.
   */
  public Future<Boolean> allowPublish(HttpServerRequest request, String topic, GatewaySettings settings) {
    return allow(request, settings, settings.get(GatewaySettings.INGEST_TOKEN), GatewaySettings.INGEST_TOKEN.key(),
        claims -> grants(claims, settings.get(GatewaySettings.AUTH_PUBLISH_CLAIM),
            settings.get(GatewaySettings.AUTH_PUBLISH_PREFIX), List.of(topic)),
        "publish to topic '" + Topics.printable(topic) + "'");
  }

  /** {@code /admin/*}: the admin token, or a JWT with {@value #ADMIN_CLAIM} {@code true}. */
  public Future<Boolean> allowAdmin(HttpServerRequest request, GatewaySettings settings) {
    return allow(request, settings, settings.get(GatewaySettings.ADMIN_TOKEN), GatewaySettings.ADMIN_TOKEN.key(),
        claims -> Boolean.TRUE.equals(claims.getValue(ADMIN_CLAIM)), "use /admin (claim " + ADMIN_CLAIM + ")");
  }

  /**
   * {@code GET /events}: when {@code auth.subscribe_required}, a JWT from the {@code Authorization: Bearer}
   * header, the {@value #COOKIE} cookie or the {@value #QUERY_PARAM} parameter (in that order) whose
   * {@value #SUBSCRIBE_CLAIM} grants every requested topic.
   */
  public Future<Admission> allowSubscribe(HttpServerRequest request, Collection<String> topics,
                                          GatewaySettings settings) {
    if (!settings.get(GatewaySettings.AUTH_SUBSCRIBE_REQUIRED)) {
      return Future.succeededFuture(Admission.OPEN);
    }
    HttpServerResponse response = request.response();
    if (!jwtEnabled()) {
      HttpErrors.send(response, 503, "auth_unavailable", "auth.subscribe_required is set but no JWT key is loaded");
      return Future.succeededFuture(Admission.REFUSED);
    }
    String token = bearer(request);
    if (token == null) {
      Cookie cookie = request.getCookie(COOKIE);
      token = cookie == null ? null : cookie.getValue();
    }
    if (token == null) {
      token = request.getParam(QUERY_PARAM);
    }
    if (token == null || token.isEmpty()) {
      return unauthorized(response, "unauthorized", "missing", "subscribing needs a JWT: Authorization: Bearer <jwt>, "
          + "cookie " + COOKIE + " or parameter " + QUERY_PARAM).map(Admission.REFUSED);
    }
    return verified(response, token, claims -> grants(claims, settings.get(GatewaySettings.AUTH_SUBSCRIBE_CLAIM),
            settings.get(GatewaySettings.AUTH_SUBSCRIBE_PREFIX), topics),
        "subscribe to " + topics.stream().map(Topics::printable).toList())
        .map(claims -> claims == null ? Admission.REFUSED : new Admission(true, expiresAtMs(claims)));
  }

  /**
   * Whether a stream may open and, when its JWT has an {@code exp}, when it must end (epoch ms, rounded up;
   * 0 = never: no token, or a token without {@code exp}).
   */
  public record Admission(boolean allowed, long expiresAtMs) {
    static final Admission OPEN = new Admission(true, 0);
    static final Admission REFUSED = new Admission(false, 0);
  }

  private static long expiresAtMs(JsonObject claims) {
    if (!claims.containsKey("exp")) {
      return 0;
    }
    double ms = Math.ceil(claims.getDouble("exp") * 1000.0);
    return ms >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, (long) ms);
  }

  /** Whether the claims of a verified JWT grant the request. */
  private interface Grant {
    boolean test(JsonObject claims);
  }

  private Future<Boolean> allow(HttpServerRequest request, GatewaySettings settings, String token, String key,
                                Grant grant, String what) {
    HttpServerResponse response = request.response();
    boolean staticToken = token != null && !token.isEmpty();
    boolean jwtEnabled = jwtEnabled();
    if (!staticToken && !jwtEnabled) {
      return Future.succeededFuture(BearerAccess.loopbackAllowed(request, response, key, settings));
    }
    String given = bearer(request);
    if (given == null) {
      return unauthorized(response, "unauthorized", "missing", "missing Authorization: Bearer <"
          + (staticToken ? key : "") + (staticToken && jwtEnabled ? " or " : "") + (jwtEnabled ? "jwt" : "") + ">");
    }
    if (staticToken && BearerAccess.matches(given, token)) {
      return Future.succeededFuture(true);
    }
    if (!jwtEnabled) {
      return unauthorized(response, "unauthorized", "bad_static_token", "the bearer token does not match " + key);
    }
    return verify(response, given, grant, what);
  }

  private Future<Boolean> verify(HttpServerResponse response, String token, Grant grant, String what) {
    return verified(response, token, grant, what).map(claims -> claims != null);
  }

  /** The claims of a valid JWT granting {@code what}; null when it is refused (the refusal has been sent). */
  private Future<JsonObject> verified(HttpServerResponse response, String token, Grant grant, String what) {
    JsonObject none = null;
    if (token.length() > MAX_TOKEN_BYTES) {
      return unauthorized(response, "invalid_token", "oversized", "the bearer token is longer than "
          + MAX_TOKEN_BYTES + " bytes").map(none);
    }
    if (token.chars().filter(ch -> ch == '.').count() != 2) {
      return unauthorized(response, "invalid_token", "malformed",
          "the bearer token is neither the configured token nor a JWT").map(none);
    }
    JsonObject header;
    JsonObject claims;
    try {
      header = part(token.substring(0, token.indexOf('.')), "header");
      claims = payload(token);
    } catch (IllegalArgumentException e) {
      return unauthorized(response, "invalid_token", "malformed", "the JWT is not valid: " + e.getMessage())
          .map(none);
    }
    Object alg = header.getValue("alg");
    if (!(alg instanceof String) || "none".equalsIgnoreCase((String) alg)) {
      return unauthorized(response, "invalid_token", "alg_none", "the JWT's header names no signing algorithm "
          + "('alg' missing or 'none'): unsigned tokens are never accepted").map(none);
    }
    Object kid = header.getValue("kid");
    String kidProblem = kid == null ? null : kid instanceof String k ? kidProblem(k) : "is not a string";
    if (kidProblem != null) {
      return unauthorized(response, "invalid_token", "bad_kid", "the JWT's 'kid' " + kidProblem).map(none);
    }
    // vertx-auth-jwt throws (a 500) on a time claim that is not a number: refuse it first
    for (String claim : TIME_CLAIMS) {
      Object value = claims.getValue(claim);
      if (claims.containsKey(claim) && !(value instanceof Number n && Double.isFinite(n.doubleValue()))) {
        return unauthorized(response, "invalid_token", "bad_time_claim", "the JWT's '" + claim
            + "' claim is not a numeric date (seconds since the epoch, RFC 7519)").map(none);
      }
    }
    JWTAuth verifier = verifier();
    if (verifier == null) {
      refusals.count("no_keys");
      response.putHeader("Retry-After", "5");
      HttpErrors.send(response, 503, "auth_unavailable", "no signing key is loaded yet: the JWKS endpoint "
          + "has not answered since the start");
      return Future.succeededFuture(none);
    }
    return authenticate(verifier, token).transform(ar -> {
      if (ar.failed()) {
        boolean unknownKey = ar.cause() instanceof NoSuchKeyIdException;
        String cause = unknownKey ? "no key with this kid and algorithm is known"
            : String.valueOf(ar.cause().getMessage());
        return unauthorized(response, "invalid_token", unknownKey ? "unknown_kid" : "bad_signature",
            "the JWT is not valid: " + firstLine(cause)).map(none);
      }
      String time = timeProblem(claims, System.currentTimeMillis() / 1000.0);
      if (time != null) {
        return unauthorized(response, "invalid_token", time.contains("expired") ? "expired" : "not_yet_valid", time)
            .map(none);
      }
      if (!grant.test(claims)) {
        refusals.count("forbidden");
        HttpErrors.send(response, 403, "forbidden", "the JWT does not grant the right to " + what);
        return Future.succeededFuture(none);
      }
      return Future.succeededFuture(claims);
    });
  }

  /** The verifier of the latest key set: the JWKS's (which includes the static keys) or the static one. */
  private JWTAuth verifier() {
    JWTAuth fromJwks = jwks == null ? null : jwks.current();
    return fromJwks != null ? fromJwks : jwt;
  }

  /**
   * Verifies with {@code verifier}; when the token names a {@code kid} no cached key has, the JWKS is fetched again
   * (rate-limited, see {@link JwksKeys#refetchForUnknownKid}) and the token verified once more with the new keys.
   */
  private Future<User> authenticate(JWTAuth verifier, String token) {
    return verifyWith(verifier, token).recover(e -> {
      if (!(e instanceof NoSuchKeyIdException) || jwks == null) {
        return Future.failedFuture(e);
      }
      return jwks.refetchForUnknownKid().compose(fresh -> fresh == null || fresh == verifier
          ? Future.failedFuture(e) : verifyWith(fresh, token));
    });
  }

  private static Future<User> verifyWith(JWTAuth verifier, String token) {
    try {
      return verifier.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Why a {@code kid} is refused (too long, or characters outside {@code A-Z a-z 0-9 _ . : = + -}, or "..") or null. */
  static String kidProblem(String kid) {
    if (kid.length() > MAX_KID_CHARS) {
      return "is longer than " + MAX_KID_CHARS + " characters";
    }
    if (!KID.matcher(kid).matches() || kid.contains("..")) {
      return "'" + Topics.printable(kid.length() > 64 ? kid.substring(0, 64) : kid) + "' has characters other "
          + "than A-Z a-z 0-9 _ . : = + - (or '..')";
    }
    return null;
  }

  /** The JWT's claims, parsed strictly; the signature is not checked here. */
  private static JsonObject payload(String token) {
    return part(token.substring(token.indexOf('.') + 1, token.lastIndexOf('.')), "payload");
  }

  private static JsonObject part(String encoded, String name) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("its " + name + " is not base64url");
    }
    try {
      return StrictJson.object(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("its " + name + " is not a JSON object: " + firstLine(e.getMessage()));
    }
  }

  /**
   * Why a signed JWT's time claims refuse it at {@code now} (seconds), naming the claim, or null. No leeway,
   * as vertx-auth-jwt's own check: {@code exp} at or before now, {@code nbf} or {@code iat} after now.
   */
  static String timeProblem(JsonObject claims, double now) {
    if (claims.containsKey("exp") && claims.getDouble("exp") <= now) {
      return "the JWT has expired (exp)";
    }
    if (claims.containsKey("nbf") && claims.getDouble("nbf") > now) {
      return "the JWT is not valid yet (nbf is in the future)";
    }
    if (claims.containsKey("iat") && claims.getDouble("iat") > now) {
      return "the JWT was issued in the future (iat is after the gateway's clock)";
    }
    return null;
  }

  /**
   * Whether {@code claim} of a verified JWT grants every topic. The claim is a top-level name
   * ({@code sse.subscribe}, {@code https://example.com/sse}) or, when no such claim exists, a dotted path into nested
   * objects ({@code realm_access.roles}). Its value is an array of strings or one string, split at whitespace (an
   * OAuth {@code scope}). An entry grants a topic when it is {@code prefix + topic}; {@code prefix + }{@value #WILDCARD}
   * grants every topic; entries without the prefix are ignored.
   */
  static boolean grants(JsonObject claims, String claim, String prefix, Collection<String> topics) {
    Object value = claimAt(claims, claim);
    List<String> entries = new java.util.ArrayList<>();
    if (value instanceof JsonArray array) {
      for (Object e : array) {
        if (e instanceof String s) {
          entries.add(s);
        }
      }
    } else if (value instanceof String s) {
      // bounded: a JWT is at most MAX_TOKEN_BYTES
      entries.addAll(List.of(s.trim().split("\\s+")));
    } else {
      return false;
    }
    java.util.Set<String> granted = new java.util.HashSet<>();
    for (String entry : entries) {
      if (entry.startsWith(prefix)) {
        granted.add(entry.substring(prefix.length()));
      }
    }
    return granted.contains(WILDCARD) || granted.containsAll(topics);
  }

  /** The value of a claim by name, or by dotted path when no claim has that name; null when neither exists. */
  static Object claimAt(JsonObject claims, String claim) {
    if (claims.containsKey(claim)) {
      return claims.getValue(claim);
    }
    Object at = claims;
    for (String step : claim.split("\\.", 16)) {
      if (!(at instanceof JsonObject object) || !object.containsKey(step)) {
        return null;
      }
      at = object.getValue(step);
    }
    return at;
  }

  private Future<Boolean> unauthorized(HttpServerResponse response, String code, String reason, String message) {
    refusals.count(reason);
    if (!response.ended() && !response.closed()) {
      response.putHeader("WWW-Authenticate", "invalid_token".equals(code) ? "Bearer error=\"invalid_token\"" : "Bearer");
    }
    HttpErrors.send(response, 401, code, message);
    return Future.succeededFuture(false);
  }

  private static String bearer(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return null;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
