package dev.ssegateway.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
