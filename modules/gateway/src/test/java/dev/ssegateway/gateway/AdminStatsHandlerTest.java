package dev.ssegateway.gateway;

import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code GET /admin/stats} answers the node's {@link GatewayStats} as JSON, to an admin only. */
@ExtendWith(VertxExtension.class)
class AdminStatsHandlerTest {

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void adminStatsAnswersTheGatewayCountersToTheAdminTokenOnly(Vertx vertx, VertxTestContext ctx) throws Exception {
    Gateway gateway = Gateway.deploy(vertx, TestSettings.of(new JsonObject().put("admin.token", "s3cret")), "n1",
        List.of()).await(20, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient();
    SseTestClient stream = SseTestClient.open(client, gateway.port(), "/events?topic=a").await(10, TimeUnit.SECONDS);
    stream.awaitType(WireNames.HELLO, 1).await(10, TimeUnit.SECONDS);

    int without = Http.get(client, gateway.port(), AdminStatsHandler.PATH).await(10, TimeUnit.SECONDS).status();
    int wrong = stats(client, gateway.port(), "nope").getInteger("status");
    JsonObject answer = stats(client, gateway.port(), "s3cret");

    ctx.verify(() -> {
      assertEquals(401, without, "no token");
      assertEquals(401, wrong, "a wrong token");
      assertEquals(200, answer.getInteger("status"), answer.encode());
      JsonObject body = answer.getJsonObject("body");
      JsonObject expected = gateway.stats().toJson().put("node", "n1");
      assertEquals(expected.fieldNames(), body.fieldNames(), "every GatewayStats counter, and the node");
      assertEquals(1L, body.getLong("open_streams"), body.encode());
      assertEquals(1L, body.getLong("streams_opened"), body.encode());
      assertEquals("n1", body.getString("node"));
      ctx.completeNow();
    });
  }

  private static JsonObject stats(HttpClient client, int port, String token) throws Exception {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI(AdminStatsHandler.PATH).putHeader("Authorization", "Bearer " + token))
        .compose(r -> r.send()
            .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode())
                .put("body", resp.statusCode() == 200 ? b.toJsonObject() : new JsonObject()))))
        .await(10, TimeUnit.SECONDS);
  }
}
