package dev.ssegateway.core;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which Host and Origin headers may rely on loopback trust: names are compared, never resolved. */
class BearerAccessTest {

  private static final GatewaySettings SETTINGS = SettingsValidator.fromConf(new JsonObject()
      .put("http.allowed_hosts", "gw.internal").put("cors.allowed_origins", "https://app.example.com"));

  @Test
  void loopbackNamesAndListedNamesAreTrustedHosts() {
    for (String host : List.of("localhost", "LocalHost:8080", "localhost:", "127.0.0.1", "127.0.0.1:8080",
        "127.255.0.9:1", "[::1]", "[::1]:8080", "[0:0:0:0:0:0:0:1]:80", "[::ffff:127.0.0.1]:80", "gw.internal",
        "GW.internal:443")) {
      assertTrue(BearerAccess.trustedHost(host, SETTINGS), host);
    }
  }

  @Test
  void everyOtherHostIsNot() {
    for (String host : Arrays.asList(null, "", "attacker.example", "attacker.example:8080", "localhost.example",
        "localhost.", "sub.localhost", "0.0.0.0", "0", "10.0.0.1:80", "128.0.0.1", "::1", "[::1", "[::1]x",
        "[::2]:80", "127.0.0.1:80:90", "gw.internal.example", "2130706433")) {
      assertFalse(BearerAccess.trustedHost(host, SETTINGS), String.valueOf(host));
    }
  }

  @Test
  void anOriginIsTrustedWhenItIsTheRequestsOwnOrListedExactly() {
    assertTrue(BearerAccess.trustedOrigin("http://localhost:8080", "localhost:8080", false, SETTINGS));
    assertTrue(BearerAccess.trustedOrigin("https://localhost:8443", "localhost:8443", true, SETTINGS));
    assertTrue(BearerAccess.trustedOrigin("https://app.example.com", "127.0.0.1:8080", false, SETTINGS));
    assertFalse(BearerAccess.trustedOrigin("http://localhost:8443", "localhost:8443", true, SETTINGS));
    assertFalse(BearerAccess.trustedOrigin("http://localhost:8081", "localhost:8080", false, SETTINGS));
    assertFalse(BearerAccess.trustedOrigin("https://app.example.com.evil.example", "localhost", false, SETTINGS));
    assertFalse(BearerAccess.trustedOrigin("null", "localhost", false, SETTINGS));
    GatewaySettings wildcard = SettingsValidator.fromConf(new JsonObject().put("cors.allowed_origins", "*"));
    assertFalse(BearerAccess.trustedOrigin("https://evil.example", "localhost", false, wildcard));
  }
}
