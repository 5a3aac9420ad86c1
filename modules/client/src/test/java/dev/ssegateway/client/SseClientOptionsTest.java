package dev.ssegateway.client;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseClientOptionsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    SseClientOptions o = new SseClientOptions();
    assertEquals(500, o.getBaseDelayMs());
    assertEquals(30_000, o.getMaxDelayMs());
    assertEquals(0.25, o.getJitter());
    assertEquals(2.5, o.getStallFactor());
    assertEquals(10_000, o.getInitialHeartbeatMs());
  }

  @Test
  void jsonRoundTripAndCopyKeepEveryValue() {
    SseClientOptions o = new SseClientOptions().addUrl("http://a:1").addUrl("http://b:2").addTopic("demo")
        .setBaseDelayMs(100).setMaxDelayMs(5000).setJitter(0.1).setStallFactor(3).setInitialHeartbeatMs(2000)
        .setLastEventId("n:5").setMaxLineBytes(4096).setMaxQueuedEvents(10).setConnectTimeoutMs(700)
        .setDeliverControlEvents(true).putHeader("Authorization", "Bearer x");
    JsonObject json = o.toJson();
    assertEquals(json, new SseClientOptions(json).toJson());
    assertEquals(json, new SseClientOptions(o).toJson());
    assertEquals("n:5", new SseClientOptions(json).getLastEventId());
  }

  @Test
  void validateNamesTheKeyAndRange() {
    SseClientOptions ok = new SseClientOptions().addUrl("http://127.0.0.1:1").addTopic("t");
    ok.validate();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SseClientOptions(ok).setStallFactor(1).validate());
    assertTrue(e.getMessage().startsWith("stallFactor"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SseClientOptions(ok).setMaxDelayMs(10).validate());
    assertTrue(e.getMessage().startsWith("maxDelayMs"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SseClientOptions(ok).addUrl("ftp://x").validate());
    assertTrue(e.getMessage().startsWith("urls"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new SseClientOptions().addUrl("http://127.0.0.1:1").validate());
    assertTrue(e.getMessage().startsWith("topics"), e.getMessage());
  }
}
