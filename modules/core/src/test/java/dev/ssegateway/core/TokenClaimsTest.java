package dev.ssegateway.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Topic grants read from the claim and prefix the settings name ({@code auth.subscribe_claim},
 * {@code auth.subscribe_prefix}): the gateway's own claims, an OAuth {@code scope} string, Keycloak's nested roles
 * and Auth0's namespaced claims.
 */
class TokenClaimsTest {

  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  @Test
  void theGatewaysOwnClaimListsTopicsOrTheWildcard() {
    JsonObject claims = json("{\"sse.subscribe\":[\"orders\",\"demo\"],\"sse.publish\":\"orders\"}");
    assertTrue(TokenAuth.grants(claims, "sse.subscribe", "", List.of("orders", "demo")));
    assertFalse(TokenAuth.grants(claims, "sse.subscribe", "", List.of("orders", "billing")));
    assertTrue(TokenAuth.grants(claims, "sse.publish", "", List.of("orders")), "one string is one topic");
    assertTrue(TokenAuth.grants(json("{\"sse.subscribe\":[\"*\"]}"), "sse.subscribe", "", List.of("any")));
    assertFalse(TokenAuth.grants(json("{\"sse.subscribe\":{\"orders\":true}}"), "sse.subscribe", "",
        List.of("orders")), "an object grants nothing");
    assertFalse(TokenAuth.grants(json("{\"sub\":\"x\"}"), "sse.subscribe", "", List.of("orders")), "no claim");
  }

  @Test
  void anOAuthScopeStringGrantsThePrefixedTopics() {
    JsonObject claims = json("{\"scope\":\"openid profile sse:subscribe:orders  sse:subscribe:demo sse:publish:billing\"}");
    assertTrue(TokenAuth.grants(claims, "scope", "sse:subscribe:", List.of("orders", "demo")));
    assertFalse(TokenAuth.grants(claims, "scope", "sse:subscribe:", List.of("billing")),
        "a publish scope does not grant subscribing");
    assertFalse(TokenAuth.grants(claims, "scope", "sse:subscribe:", List.of("openid")),
        "an entry without the prefix is not a topic");
    assertTrue(TokenAuth.grants(claims, "scope", "sse:publish:", List.of("billing")));
    assertTrue(TokenAuth.grants(json("{\"scope\":\"sse:subscribe:*\"}"), "scope", "sse:subscribe:",
        List.of("anything")));
    assertTrue(TokenAuth.grants(json("{\"scp\":[\"sse:subscribe:orders\"]}"), "scp", "sse:subscribe:",
        List.of("orders")), "Okta/Entra's scp array");
  }

  @Test
  void keycloakRealmAndClientRolesAreReadByDottedPath() {
    JsonObject keycloak = json("{\"realm_access\":{\"roles\":[\"offline_access\",\"sse-subscribe-orders\"]},"
        + "\"resource_access\":{\"sse-gateway\":{\"roles\":[\"publish-billing\"]}}}");
    assertTrue(TokenAuth.grants(keycloak, "realm_access.roles", "sse-subscribe-", List.of("orders")));
    assertFalse(TokenAuth.grants(keycloak, "realm_access.roles", "sse-subscribe-", List.of("access")));
    assertTrue(TokenAuth.grants(keycloak, "resource_access.sse-gateway.roles", "publish-", List.of("billing")));
    assertFalse(TokenAuth.grants(keycloak, "realm_access.missing", "", List.of("orders")));
    assertNull(TokenAuth.claimAt(keycloak, "realm_access.roles.deeper"), "a path through an array ends");
  }

  @Test
  void aClaimNameWithDotsIsTakenWholeFirst() {
    JsonObject auth0 = json("{\"https://example.com/sse\":[\"orders\"],\"https://example\":{\"com/sse\":[\"no\"]}}");
    assertTrue(TokenAuth.grants(auth0, "https://example.com/sse", "", List.of("orders")));
    assertEquals(new JsonArray().add("orders"), TokenAuth.claimAt(auth0, "https://example.com/sse"));
  }
}
