package dev.ssegateway.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The longest id a gateway can send parses back (issue 18, point 5); one origin more is refused. */
class CursorTest {

  private static String longestName(int i) {
    String n = "o" + i;
    return n + "x".repeat(Cursor.MAX_ORIGIN_LENGTH - n.length());
  }

  @Test
  void theLongestIdAGatewayCanSendIsAcceptedBack() {
    Cursor c = Cursor.EMPTY;
    for (int i = 0; i < Cursor.MAX_ORIGINS; i++) {
      c = c.advance(longestName(i), Long.MAX_VALUE);
    }
    String text = c.toString();
    assertEquals(Cursor.MAX_TEXT_LENGTH, text.length());
    assertEquals(6015, text.length());
    assertEquals(c, Cursor.parse(text));
  }

  @Test
  void hundredOriginsAreWithinTheBounds() {
    Cursor c = Cursor.EMPTY;
    for (int i = 0; i < 100; i++) {
      c = c.advance(longestName(i), Long.MAX_VALUE);
    }
    assertEquals(c, Cursor.parse(c.toString()));
  }

  @Test
  void oneOriginMoreThanTheBoundIsRefused() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i <= Cursor.MAX_ORIGINS; i++) {
      b.append(i == 0 ? "" : ",").append("o").append(i).append(":1");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cursor.parse(b.toString()));
    assertEquals("Last-Event-ID names more than 128 origins", e.getMessage());
  }

  @Test
  void idsAreCorsSafeAndTheColonFormOfEarlierVersionsStillParses() {
    Cursor c = Cursor.EMPTY.advance("node1", 1_780_000_000_000_000L).advance("sse-gateway-0", 42);
    String text = c.toString();
    assertEquals("node1.hiygplrfgg,sse-gateway-0.16", text);
    for (char ch : text.toCharArray()) {
      // WHATWG fetch: CORS-unsafe request-header bytes are controls, DEL and "():<>?@[\]{}
      assertEquals(-1, "\"():<>?@[\\]{}".indexOf(ch), "CORS-unsafe byte " + ch + " in " + text);
      assertTrue(ch > 0x1f && ch < 0x7f);
    }
    assertEquals(c, Cursor.parse("node1:hiygplrfgg,sse-gateway-0:16"), "the old form resumes");
    assertEquals(c, Cursor.parse("node1.hiygplrfgg,sse-gateway-0:16"));
    assertEquals("node1.1", Cursor.eventId("node1", 1));
  }
}
