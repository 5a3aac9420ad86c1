package dev.ssegateway.gateway;

import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The gateway runs on the settings it is handed, not on a node-wide instance it would look up. */
@ExtendWith(VertxExtension.class)
class ExplicitWiringTest {

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void everyPartOfTheGatewayUsesTheSettingsItWasHandedAndFollowsTheirChanges(Vertx vertx, VertxTestContext ctx) {
    HttpClient client = vertx.createHttpClient();
    LiveSettings live = LiveSettings.create(TestSettings.of(new JsonObject().put("heartbeat_ms", 1234)));
    Gateway.deploy(vertx, live, "n1", List.of(), new HealthOptions())
        .compose(g -> SseTestClient.open(client, g.port(), "/events?topic=t")
            .compose(s -> s.awaitType(WireNames.HELLO, 1))
            .compose(first -> {
              ctx.verify(() -> {
                assertEquals(1234, new JsonObject(first.get(0).data()).getInteger("heartbeat_ms"), "hello");
                assertSame(live, g.settings(), "the gateway runs on the instance it was handed, not a copy");
              });
              live.apply(vertx, TestSettings.of(new JsonObject().put("heartbeat_ms", 1500)));
              return SseTestClient.open(client, g.port(), "/events?topic=t")
                  .compose(s -> s.awaitType(WireNames.HELLO, 1));
            }))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertEquals(1500, new JsonObject(second.get(0).data()).getInteger("heartbeat_ms"), "a live change applies");
          ctx.completeNow();
        })));
  }
}
