package dev.ssegateway.client.faults;

import dev.ssegateway.client.SseClientOptions;
import dev.ssegateway.client.faults.FaultRig.TracedClient;
import dev.ssegateway.core.LiveSettings;
import dev.ssegateway.core.SettingsValidator;
import dev.ssegateway.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static dev.ssegateway.client.faults.FaultRig.observe;
import static dev.ssegateway.client.faults.FaultRig.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Java client against the real gateway in {@code heartbeat_mode: comment}: it learns a live change of
 * {@code heartbeat_ms} from the gateway's own comment heartbeats ({@code : heartbeat {"heartbeat_ms":N}}), so a
 * later increase never makes it declare a healthy stream stalled.
 */
class CommentHeartbeatTest {

  private Vertx vertx;
  private TracedClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientLearnsLiveIntervalChangesFromCommentHeartbeatsAndNeverStalls() throws Exception {
    Gateway gateway = FaultRig.gateway(vertx, new JsonObject().put("heartbeat_ms", 1000).put("heartbeat_mode", "comment"));
    client = new TracedClient(vertx, new SseClientOptions()
        .addUrl("http://127.0.0.1:" + gateway.port()).addTopic(FaultRig.TOPIC)).start();
    until(vertx, () -> client.connected() && client.client.heartbeatMs() == 1000, 10_000,
        () -> "client connected with heartbeat 1000 from hello (state " + client.client.state() + ")");
    LiveSettings live = gateway.settings();

    // 1000 -> 2000: the hello is not sent again, only comment heartbeats carry the new interval.
    live.apply(vertx, SettingsValidator.apply(live.current(), new JsonObject().put("heartbeat_ms", 2000)));
    until(vertx, () -> client.client.heartbeatMs() == 2000, 10_000,
        () -> "client learned heartbeat_ms=2000 from a comment heartbeat (knows " + client.client.heartbeatMs() + ")");

    // 2000 -> 4000: a client still at 1000 would call the stream stalled after 2.5 s of silence.
    live.apply(vertx, SettingsValidator.apply(live.current(), new JsonObject().put("heartbeat_ms", 4000)));
    until(vertx, () -> client.client.heartbeatMs() == 4000, 15_000,
        () -> "client learned heartbeat_ms=4000 (knows " + client.client.heartbeatMs() + ")");
    observe(vertx, 9000);
    System.out.printf("comment heartbeats: learned 2000 and 4000 ms live; %d connect(s), %d reconnect(s)%n",
        client.connects(), client.reconnects().size());
    assertEquals(0, client.reconnects().size(), "reconnects of a healthy stream");
    assertEquals(1, client.connects(), "connections");
  }
}
