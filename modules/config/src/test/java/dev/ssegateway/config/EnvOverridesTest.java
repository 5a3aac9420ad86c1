package dev.ssegateway.config;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.Setting;
import dev.ssegateway.core.SettingsException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code SSE_GATEWAY_<KEY>} overrides the conf: one naming rule, typed values, errors that name the variable. */
class EnvOverridesTest {

  @Test
  void everyKeyHasOneVariableNameDotsBecomeDoubleUnderscores() {
    assertEquals("SSE_GATEWAY_HEARTBEAT_MS", EnvOverrides.variableFor("heartbeat_ms"));
    assertEquals("SSE_GATEWAY_HTTP__PORT", EnvOverrides.variableFor("http.port"));
    assertEquals("SSE_GATEWAY_LIMITS__MAX_EVENT_BYTES", EnvOverrides.variableFor("limits.max_event_bytes"));
    long distinct = GatewaySettings.ALL.stream().map(s -> EnvOverrides.variableFor(s.key())).distinct().count();
    assertEquals(GatewaySettings.ALL.size(), distinct, "no two keys share a variable");
  }

  @Test
  void overridesReplaceFlatAndNestedFormsAndLeaveTheInputUntouched() {
    JsonObject conf = new JsonObject()
        .put("heartbeat_ms", 10000)
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 8080))
        .put("ticker.enabled", false);
    String before = conf.encode();
    JsonObject out = EnvOverrides.apply(conf, Map.of(
        "SSE_GATEWAY_HEARTBEAT_MS", "2000",
        "SSE_GATEWAY_HTTP__PORT", " 9090 ",
        "SSE_GATEWAY_TICKER__ENABLED", "TRUE",
        "SSE_GATEWAY_ADMIN__TOKEN", "tok",
        "PATH", "/usr/bin"));
    assertEquals(before, conf.encode(), "the input conf is not changed");
    assertEquals(2000L, ((Number) out.getValue("heartbeat_ms")).longValue());
    assertEquals(9090L, ((Number) out.getValue("http.port")).longValue());
    assertEquals(new JsonObject().put("host", "127.0.0.1"), out.getJsonObject("http"), "the nested port is gone");
    assertEquals(Boolean.TRUE, out.getValue("ticker.enabled"));
    GatewaySettings s = EnvOverrides.from(Map.of("SSE_GATEWAY_HTTP__PORT", "9090", "SSE_GATEWAY_ADMIN__TOKEN", "tok"))
        .settings(conf);
    assertEquals(9090, s.get(GatewaySettings.HTTP_PORT));
    assertEquals("127.0.0.1", s.get(GatewaySettings.HTTP_HOST));
    assertEquals("tok", s.get(GatewaySettings.ADMIN_TOKEN));
  }

  @Test
  void thePublishersListCanComeFromTheEnvironmentAsJson() {
    EnvOverrides env = EnvOverrides.from(Map.of("SSE_GATEWAY_PUBLISHERS",
        "[{\"name\": \"orders\", \"class\": \"com.acme.OrdersPublisher\", \"config\": {\"topic\": \"o\"}}]"));
    assertEquals(new io.vertx.core.json.JsonArray().add(new JsonObject().put("name", "orders")
            .put("class", "com.acme.OrdersPublisher").put("config", new JsonObject().put("topic", "o"))),
        env.settings(new JsonObject()).get(GatewaySettings.PUBLISHERS));
  }

  @Test
  void oneConfServesAFleetTheNodeIdComesFromTheEnvironment() {
    JsonObject shared = new JsonObject().put("node_id", "node1").put("heartbeat_ms", 10000);
    for (String pod : new String[] {"sse-gateway-0", "sse-gateway-1", "sse-gateway-2"}) {
      EnvOverrides env = EnvOverrides.from(Map.of("SSE_GATEWAY_NODE_ID", pod, "HOSTNAME", pod));
      assertEquals(pod, env.settings(shared).nodeId("random"));
      assertEquals(Map.of("node_id", "SSE_GATEWAY_NODE_ID"), env.variables());
    }
    assertEquals("node1", EnvOverrides.from(Map.of()).settings(shared).nodeId("random"));
    SettingsException e = assertThrows(SettingsException.class, () ->
        EnvOverrides.from(Map.of("SSE_GATEWAY_NODE_ID", "gw1.example.com")).settings(shared));
    assertTrue(e.getMessage().startsWith("SSE_GATEWAY_NODE_ID=gw1.example.com: node_id"), e.getMessage());
  }

  @Test
  void withoutVariablesTheConfIsValidatedAsIs() {
    JsonObject conf = new JsonObject().put("heartbeat_ms", 2000);
    EnvOverrides none = EnvOverrides.from(Map.of("HOME", "/root"));
    assertTrue(none.isEmpty());
    assertEquals(conf, none.applyTo(conf));
    assertEquals(2000, none.settings(conf).heartbeatMs());
  }

  @Test
  void badValuesAreRefusedNamingTheVariableTheKeyAndTheRange() {
    SettingsException e = assertThrows(SettingsException.class, () ->
        EnvOverrides.from(Map.of("SSE_GATEWAY_HEARTBEAT_MS", "500")).settings(new JsonObject()));
    assertEquals("SSE_GATEWAY_HEARTBEAT_MS=500: heartbeat_ms: 500 is out of range; allowed: an integer in "
        + "1000..60000 (default 10000)", e.getMessage());
    e = assertThrows(SettingsException.class, () ->
        EnvOverrides.from(Map.of("SSE_GATEWAY_HEARTBEAT_MS", "fast")).settings(new JsonObject()));
    assertTrue(e.getMessage().startsWith("SSE_GATEWAY_HEARTBEAT_MS=fast: heartbeat_ms: \"fast\" is not a number"),
        e.getMessage());
    e = assertThrows(SettingsException.class, () ->
        EnvOverrides.from(Map.of("SSE_GATEWAY_INGEST__ENABLED", "yes")).settings(new JsonObject()));
    assertTrue(e.getMessage().contains("SSE_GATEWAY_INGEST__ENABLED=yes: ingest.enabled: \"yes\" is not a boolean"),
        e.getMessage());
  }

  @Test
  void aFileProblemIsStillReportedAsTheFileKey() {
    SettingsException e = assertThrows(SettingsException.class, () ->
        EnvOverrides.from(Map.of("SSE_GATEWAY_RETRY_MS", "800")).settings(new JsonObject().put("heartbeat_ms", 5)));
    assertTrue(e.getMessage().startsWith("heartbeat_ms: 5 is out of range"), e.getMessage());
  }

  @Test
  void prefixedVariablesThatNameNoKeyAreListedNotApplied() {
    EnvOverrides o = EnvOverrides.from(Map.of("SSE_GATEWAY_HEARTBEATMS", "2000", "SSE_GATEWAY_URL", "http://x",
        "SSE_GATEWAY_RETRY_MS", "800"));
    assertEquals(List.of("SSE_GATEWAY_HEARTBEATMS", "SSE_GATEWAY_URL"), o.unknown());
    assertEquals(Map.of("retry_ms", "SSE_GATEWAY_RETRY_MS"), o.variables());
    assertEquals(10000, o.settings(new JsonObject()).heartbeatMs());
  }

  @Test
  void everyKeyCanBeOverridden() {
    for (Setting<?> s : GatewaySettings.ALL) {
      String text = String.valueOf(s.defaultValue());
      GatewaySettings got = EnvOverrides.from(Map.of(EnvOverrides.variableFor(s.key()), text)).settings(new JsonObject());
      assertEquals(s.defaultValue(), got.get(s), s.key());
    }
  }
}
