package dev.ssegateway.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one validator accepts every key's default and both bounds, and refuses anything else with a
 * message naming the key, the value and what is allowed: out of range, wrong type, unknown key.
 * The table below is the specification of the ranges; a new key fails {@link #everyKeyIsInTheTable()}
 * until it is added here.
 */
class SettingsValidatorTest {

  /** Integer keys: default, min, max. */
  private static final Map<String, int[]> INTEGERS = new LinkedHashMap<>();
  /** Text keys: a valid value other than the default, and an invalid one. */
  private static final Map<String, String[]> TEXTS = new LinkedHashMap<>();
  private static final Set<String> FLAGS = Set.of("http.http2", "http.h2c", "ticker.enabled", "ingest.enabled",
      "auth.subscribe_required",
      "cors.allow_credentials");

  static {
    INTEGERS.put("http.port", new int[] {8080, 0, 65535});
    INTEGERS.put("http.instances", new int[] {0, 0, 256});
    INTEGERS.put("heartbeat_ms", new int[] {10000, 1000, 60000});
    INTEGERS.put("retry_ms", new int[] {500, 100, 60000});
    INTEGERS.put("history.max_events", new int[] {1000, 0, 1_000_000});
    INTEGERS.put("history.max_age_ms", new int[] {300_000, 1000, 86_400_000});
    INTEGERS.put("history.max_topics", new int[] {10_000, 1, 1_000_000});
    INTEGERS.put("history.max_bytes", new int[] {256 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024});
    INTEGERS.put("limits.max_event_bytes", new int[] {65536, 16, 16 * 1024 * 1024});
    INTEGERS.put("limits.max_topics_per_connection", new int[] {32, 1, 1024});
    INTEGERS.put("limits.max_connections", new int[] {100_000, 1, 10_000_000});
    INTEGERS.put("limits.write_queue_bytes", new int[] {1024 * 1024, 4096, 64 * 1024 * 1024});
    INTEGERS.put("ticker.interval_ms", new int[] {1000, 10, 3_600_000});
    INTEGERS.put("config.scan_ms", new int[] {1000, 100, 60000});
    INTEGERS.put("tls.watch_ms", new int[] {10_000, 100, 3_600_000});
    INTEGERS.put("auth.jwks_refresh_ms", new int[] {300_000, 1000, 86_400_000});
    INTEGERS.put("auth.jwks_min_refetch_ms", new int[] {10_000, 100, 3_600_000});
    INTEGERS.put("limits.max_connections_per_address", new int[] {10_000, 1, 10_000_000});
    INTEGERS.put("limits.max_streams_per_connection", new int[] {100, 1, 10_000});
    INTEGERS.put("limits.max_header_bytes", new int[] {8192, 1024, 1024 * 1024});
    INTEGERS.put("limits.request_timeout_ms", new int[] {10_000, 100, 600_000});
    INTEGERS.put("limits.fd_reserve", new int[] {1024, 64, 1_000_000});
    INTEGERS.put("shutdown.retry_jitter_ms", new int[] {5000, 0, 600_000});
    INTEGERS.put("shutdown.drain_ms", new int[] {5000, 0, 60_000});
    TEXTS.put("auth.jwt_secret", new String[] {"abc.DEF-123", "with space"});
    TEXTS.put("auth.jwt_public_key_file", new String[] {"/etc/sse/jwt public.pem", "bad\u0001name"});
    TEXTS.put("auth.jwt_public_key_algorithm", new String[] {"ES256", "HS256"});
    TEXTS.put("auth.jwt_issuer", new String[] {"https://issuer.example.com/", "tab\there"});
    TEXTS.put("auth.jwt_audience", new String[] {"sse-gateway", "new\nline"});
    TEXTS.put("auth.subscribe_claim", new String[] {"realm_access.roles", ""});
    TEXTS.put("auth.subscribe_prefix", new String[] {"sse:subscribe:", "with space"});
    TEXTS.put("auth.publish_claim", new String[] {"scope", "tab\there"});
    TEXTS.put("auth.publish_prefix", new String[] {"sse-publish-", "new\nline"});
    TEXTS.put("auth.jwks_url", new String[] {"https://sso.example.com/realms/acme/protocol/openid-connect/certs",
        "ftp://sso.example.com/certs"});
    TEXTS.put("cors.allowed_origins", new String[] {"https://a.example.com, http://localhost:3000", "https://a.example/?x"});
    TEXTS.put("tls.cert_file", new String[] {"/etc/sse/fullchain.pem", "bad\u0000name"});
    TEXTS.put("tls.key_file", new String[] {"/etc/sse/privkey.pem", "bad\rname"});
    TEXTS.put("node_id", new String[] {"node-2_b", "has space"});
    TEXTS.put("http.host", new String[] {"127.0.0.1", "bad host!"});
    TEXTS.put("http.allowed_hosts", new String[] {"gw.internal, sse.example.com", "bad/host"});
    TEXTS.put("http.webroot", new String[] {"/srv/sse/www", "bad\nname"});
    TEXTS.put("heartbeat_mode", new String[] {"comment", "loud"});
    TEXTS.put("ticker.topic", new String[] {"prices", ""});
    TEXTS.put("ingest.token", new String[] {"abc.DEF-123", "with space"});
    TEXTS.put("admin.token", new String[] {"abc.DEF-123", "tab\there"});
  }

  private static SettingsException refused(JsonObject conf) {
    return assertThrows(SettingsException.class, () -> SettingsValidator.fromConf(conf), conf::encode);
  }

  private static void assertNames(SettingsException e, String key, String value, String allowed) {
    String m = e.getMessage();
    assertTrue(m.startsWith(key + ": "), "names the key first: " + m);
    assertTrue(m.contains(value), "names the value " + value + ": " + m);
    assertTrue(m.contains("allowed: " + allowed), "names what is allowed (" + allowed + "): " + m);
    assertEquals(key, e.problems().get(0).key());
    assertEquals("invalid_settings", e.toJson().getString("error"));
    assertEquals(key, e.toJson().getJsonArray("problems").getJsonObject(0).getString("key"));
  }

  @Test
  void everyKeyIsInTheTable() {
    Set<String> table = Stream.of(INTEGERS.keySet(), TEXTS.keySet(), FLAGS, Set.of("publishers")).flatMap(Set::stream)
        .collect(Collectors.toSet());
    Set<String> keys = GatewaySettings.ALL.stream().map(Setting::key).collect(Collectors.toSet());
    assertEquals(keys, table);
  }

  @Test
  void theMaskOfASetSecretMeansUnchangedFlatOrNestedAndIsRefusedForAnUnsetOne() {
    GatewaySettings base = SettingsValidator.fromConf(new JsonObject().put("admin.token", "the-token"));
    assertEquals(List.of(GatewaySettings.INGEST_TOKEN, GatewaySettings.ADMIN_TOKEN, GatewaySettings.AUTH_JWT_SECRET),
        GatewaySettings.SECRETS);
    assertEquals("the-token", SettingsValidator.apply(base, new JsonObject().put("admin.token", Setting.MASK))
        .get(GatewaySettings.ADMIN_TOKEN));
    assertEquals("the-token", SettingsValidator.apply(base, new JsonObject().put("admin", new JsonObject()
        .put("token", Setting.MASK))).get(GatewaySettings.ADMIN_TOKEN));
    assertEquals(Setting.MASK, base.toPublicJson().getString("admin.token"));
    assertEquals("", base.toPublicJson().getString("ingest.token"), "an unset secret is shown as unset");
    SettingsException e = assertThrows(SettingsException.class, () -> SettingsValidator.apply(base,
        new JsonObject().put("ingest", new JsonObject().put("token", Setting.MASK))));
    assertEquals("ingest.token", e.problems().get(0).key());
  }

  @Test
  void publishersAcceptsValidEntriesAndRefusesEachBadOneNamingTheEntryAndWhatIsAllowed() {
    JsonArray good = new JsonArray().add(new JsonObject().put("name", "orders").put("class", "com.acme.Orders")
        .put("instances", 2).put("config", new JsonObject().put("topic", "o"))).add(new JsonObject()
        .put("name", "stock").put("class", "com.acme.Stock"));
    List<PublisherEntry> entries = PublisherEntry.from(SettingsValidator.fromConf(new JsonObject()
        .put("publishers", good)).get(GatewaySettings.PUBLISHERS));
    assertEquals(List.of(new PublisherEntry("orders", "com.acme.Orders", 2, new JsonObject().put("topic", "o")),
        new PublisherEntry("stock", "com.acme.Stock", 1, new JsonObject())), entries);
    Map<Object, String> bad = new LinkedHashMap<>();
    bad.put("com.acme.Orders", "is not a JSON array");
    bad.put(new JsonArray().add("x"), "entry 0 is not an object");
    bad.put(new JsonArray().add(new JsonObject().put("class", "a.B")), "entry 0: name is missing");
    bad.put(new JsonArray().add(new JsonObject().put("name", "o")), "publisher 'o': class is missing");
    bad.put(new JsonArray().add(new JsonObject().put("name", "o").put("class", "a.B").put("instances", 0)),
        "publisher 'o': instances 0 is not an integer in 1..64");
    bad.put(new JsonArray().add(new JsonObject().put("name", "o").put("class", "a.B").put("config", "x")),
        "publisher 'o': config is not a JSON object");
    bad.put(new JsonArray().add(new JsonObject().put("name", "o").put("class", "a.B").put("klass", "x")),
        "entry 0 has unknown field 'klass'");
    bad.put(new JsonArray().add(new JsonObject().put("name", "o").put("class", "a.B"))
        .add(new JsonObject().put("name", "o").put("class", "a.C")), "publisher 'o' is named twice");
    bad.forEach((value, problem) -> {
      SettingsException e = refused(new JsonObject().put("publishers", value));
      assertTrue(e.getMessage().startsWith("publishers: ") && e.getMessage().contains(problem)
          && e.getMessage().contains("allowed: a list of up to 64"), e.getMessage());
    });
  }

  @Test
  void anEmptyConfGivesEveryDefault() {
    GatewaySettings s = SettingsValidator.fromConf(new JsonObject());
    assertEquals(GatewaySettings.defaults(), s);
    GatewaySettings.ALL.forEach(setting -> assertEquals(setting.defaultValue(), s.get(setting), setting.key()));
  }

  @TestFactory
  Stream<DynamicTest> integerKeysAcceptDefaultAndBothBoundsAndRefuseBeyondAndOtherTypes() {
    return INTEGERS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
      String key = e.getKey();
      int def = e.getValue()[0];
      int min = e.getValue()[1];
      int max = e.getValue()[2];
      Setting<?> setting = GatewaySettings.find(key);
      String allowed = "an integer in " + min + ".." + max;
      assertEquals(def, setting.defaultValue());
      assertEquals(allowed, setting.allowed());
      for (int ok : new int[] {def, min, max}) {
        assertEquals(ok, SettingsValidator.fromConf(new JsonObject().put(key, ok)).get(setting));
      }
      assertEquals(max, SettingsValidator.fromConf(new JsonObject().put(key, (double) max)).get(setting),
          "an integral double is an integer");
      assertNames(refused(new JsonObject().put(key, (long) min - 1)), key, String.valueOf((long) min - 1), allowed);
      assertNames(refused(new JsonObject().put(key, (long) max + 1)), key, String.valueOf((long) max + 1), allowed);
      assertTrue(refused(new JsonObject().put(key, (long) max + 1)).getMessage().contains("out of range"));
      assertNames(refused(new JsonObject().put(key, String.valueOf(def))), key, "\"" + def + "\"", allowed);
      assertTrue(refused(new JsonObject().put(key, String.valueOf(def))).getMessage().contains("is not a number"));
      assertNames(refused(new JsonObject().put(key, true)), key, "true", allowed);
      assertNames(refused(new JsonObject().put(key, min + 0.5)), key, String.valueOf(min + 0.5), allowed);
      assertTrue(refused(new JsonObject().put(key, min + 0.5)).getMessage().contains("is not an integer"));
      assertNames(refused(new JsonObject().putNull(key)), key, "null", allowed);
      assertNames(refused(new JsonObject().put(key, new JsonArray().add(def))), key, "[" + def + "]", allowed);
    }));
  }

  @TestFactory
  Stream<DynamicTest> textKeysAcceptDefaultAndValidValuesAndRefuseOthersAndOtherTypes() {
    return TEXTS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
      String key = e.getKey();
      Setting<?> setting = GatewaySettings.find(key);
      String allowed = setting.allowed();
      Object def = setting.defaultValue();
      assertEquals(def, SettingsValidator.fromConf(new JsonObject().put(key, def)).get(setting));
      String good = e.getValue()[0];
      assertEquals(good, SettingsValidator.fromConf(new JsonObject().put(key, good)).get(setting));
      String bad = e.getValue()[1];
      boolean secret = setting.secret();
      assertNames(refused(new JsonObject().put(key, bad)), key, secret ? Setting.MASK : "\"" + bad + "\"", allowed);
      assertNames(refused(new JsonObject().put(key, 42)), key, secret ? Setting.MASK : "42", allowed);
      assertTrue(refused(new JsonObject().put(key, 42)).getMessage().contains("is not a string"));
      assertNames(refused(new JsonObject().put(key, false)), key, secret ? Setting.MASK : "false", allowed);
      if (secret) {
        SettingsException e1 = refused(new JsonObject().put(key, bad));
        assertFalse(e1.toJson().encode().contains(bad.substring(0, 3)), "a refused secret is not repeated: "
            + e1.toJson().encode());
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> flagsAcceptBooleansOnly() {
    return FLAGS.stream().sorted().map(key -> DynamicTest.dynamicTest(key, () -> {
      Setting<?> setting = GatewaySettings.find(key);
      assertEquals(Boolean.class, setting.type());
      assertEquals(true, SettingsValidator.fromConf(new JsonObject().put(key, true)).get(setting));
      assertEquals(false, SettingsValidator.fromConf(new JsonObject().put(key, false)).get(setting));
      assertNames(refused(new JsonObject().put(key, "true")), key, "\"true\"", "true or false");
      assertNames(refused(new JsonObject().put(key, 1)), key, "1", "true or false");
      assertTrue(refused(new JsonObject().put(key, 1)).getMessage().contains("is not a boolean"));
    }));
  }

  @Test
  void unknownKeysAreRefusedNamingTheKeyAndTheKnownKeys() {
    SettingsException e = refused(new JsonObject().put("heartbeat", 2000));
    assertTrue(e.getMessage().startsWith("heartbeat: unknown key; known keys: node_id, http.host"), e.getMessage());
    e = refused(new JsonObject().put("http", new JsonObject().put("prot", 80)));
    assertEquals("http.prot", e.problems().get(0).key());
    assertTrue(e.getMessage().contains("http.prot: unknown key"), e.getMessage());
  }

  @Test
  void nestedFlatAndMixedFormsAreTheSameKey() {
    GatewaySettings flat = SettingsValidator.fromConf(new JsonObject().put("limits.max_event_bytes", 1024)
        .put("http.port", 9090));
    GatewaySettings nested = SettingsValidator.fromConf(new JsonObject()
        .put("limits", new JsonObject().put("max_event_bytes", 1024))
        .put("http", new JsonObject().put("port", 9090)));
    assertEquals(flat, nested);
    assertEquals(1024, flat.maxEventBytes());
    assertEquals(9090, nested.get(GatewaySettings.HTTP_PORT));
    SettingsException e = refused(new JsonObject().put("history", new JsonObject().put("max_age_ms", 5)));
    assertNames(e, "history.max_age_ms", "5", "an integer in 1000..86400000");
  }

  @Test
  void keysStartingWithUnderscoreAreCommentsAtAnyDepth() {
    GatewaySettings s = SettingsValidator.fromConf(new JsonObject()
        .put("_comment", "anything")
        .put("_conf_file", "/etc/sse/conf.json")
        .put("_old", new JsonObject().put("heartbeat_ms", 5))
        .put("http", new JsonObject().put("_note", 1).put("port", 81)));
    assertEquals(81, s.get(GatewaySettings.HTTP_PORT));
    assertEquals(GatewaySettings.defaults().heartbeatMs(), s.heartbeatMs());
  }

  @Test
  void everyProblemIsReportedAtOnceAndNothingIsApplied() {
    GatewaySettings base = SettingsValidator.fromConf(new JsonObject().put("heartbeat_ms", 2000));
    SettingsException e = assertThrows(SettingsException.class, () -> SettingsValidator.apply(base,
        new JsonObject().put("heartbeat_ms", 3000).put("retry_ms", 5).put("nope", 1)));
    List<String> keys = new ArrayList<>();
    e.problems().forEach(p -> keys.add(p.key()));
    assertEquals(List.of("retry_ms", "nope"), keys);
    assertTrue(e.getMessage().contains("; "), "one line joining the problems: " + e.getMessage());
    assertEquals(2000, base.heartbeatMs(), "the base is immutable");
  }

  @Test
  void applyReplacesOnlyTheGivenKeys() {
    GatewaySettings base = SettingsValidator.fromConf(new JsonObject().put("heartbeat_ms", 2000).put("retry_ms", 700));
    GatewaySettings next = SettingsValidator.apply(base, new JsonObject().put("heartbeat_ms", 5000));
    assertEquals(5000, next.heartbeatMs());
    assertEquals(700, next.retryMs());
    assertEquals(List.of(GatewaySettings.HEARTBEAT_MS), next.changedFrom(base));
  }

  @Test
  void settingsRoundTripThroughJsonAndMaskSecretsForDisplay() {
    GatewaySettings s = SettingsValidator.fromConf(new JsonObject().put("admin.token", "t0k").put("heartbeat_ms", 3000));
    assertEquals(s, SettingsValidator.fromConf(s.toJson()));
    assertEquals("***", s.toPublicJson().getString("admin.token"));
    assertEquals("", s.toPublicJson().getString("ingest.token"), "an empty token is shown as empty");
  }
}
