package dev.ssegateway.core;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code starts_above} mark of the first event of an origin incarnation survives the bus form, and its absence
 * (a member of an earlier version) or a value that is not a non-negative integer reads as "not first".
 */
class EventTest {

  private static JsonObject bus(Object startsAbove) {
    JsonObject json = new JsonObject().put("topic", "t").put("type", "message").put("data", "x")
        .put("origin", "o").put("seq", 10L).put("ts", 1L);
    return startsAbove == null ? json : json.put("starts_above", startsAbove);
  }

  @Test
  void theFirstEventMarkRoundTripsAndOnlyAValidNumberCounts() {
    Event first = new Event("t", "message", "x", "o", 10, 1, 7);
    assertTrue(first.first());
    assertEquals(7, Event.fromBus(first.toBus(), 100).startsAbove());
    Event later = new Event("t", "message", "x", "o", 11, 1);
    assertFalse(later.first());
    assertFalse(later.toBus().containsKey("starts_above"), "a later event carries no mark");
    Object[][] table = {
        {null, Event.NOT_FIRST}, {0L, 0L}, {5L, 5L}, {-1L, Event.NOT_FIRST}, {"5", Event.NOT_FIRST},
        {1.5, Event.NOT_FIRST}, {true, Event.NOT_FIRST},
    };
    for (Object[] row : table) {
      assertEquals((long) row[1], Event.fromBus(bus(row[0]), 100).startsAbove(), "starts_above=" + row[0]);
    }
  }

  @Test
  void anUndeliverableFirstEventKeepsItsMark() {
    Event.Undeliverable u = assertThrows(Event.Undeliverable.class,
        () -> Event.fromBus(bus(3L).put("data", "x".repeat(101)), 100));
    assertEquals(3, u.startsAbove());
    assertEquals(Event.NOT_FIRST, assertThrows(Event.Undeliverable.class,
        () -> Event.fromBus(bus(null).put("data", 5), 100)).startsAbove());
  }
}
