package dev.ssegateway.testsupport;

import dev.ssegateway.core.GatewaySettings;
import dev.ssegateway.core.SettingsValidator;
import io.vertx.core.json.JsonObject;

/** Settings for tests: loopback, random port, two instances, plus the given overrides. */
public final class TestSettings {

  private TestSettings() {
  }

  public static GatewaySettings of(JsonObject overrides) {
    JsonObject conf = new JsonObject()
        .put("http.host", "127.0.0.1")
        .put("http.port", 0)
        .put("http.instances", 2);
    return SettingsValidator.fromConf(conf.mergeIn(overrides == null ? new JsonObject() : overrides));
  }

  public static GatewaySettings of() {
    return of(null);
  }
}
