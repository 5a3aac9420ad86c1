package dev.ssegateway.core;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

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

  /** A {@code Last-Event-ID} and what it parses to: its canonical text, or the refusal's message. */
  record Parse(String text, String canonical, String refusal) {
  }

  private static Parse ok(String text, String canonical) {
    return new Parse(text, canonical, null);
  }

  private static Parse refused(String text, String refusal) {
    return new Parse(text, null, refusal);
  }

  private static final String LONGEST_ORIGIN = "o".repeat(Cursor.MAX_ORIGIN_LENGTH);

  @TestFactory
  Stream<DynamicTest> everyFormParsesToItsCanonicalTextOrIsRefusedWithItsReason() {
    String notACursor = "' is not a gateway cursor: expected origin.seq[,origin.seq...]";
    return Stream.of(
        ok(null, "-"),
        ok("", "-"),
        ok("-", "-"),
        ok("a.1", "a.1"),
        ok("a:1", "a.1"),
        ok("b.z,a.10", "a.10,b.z"),
        ok("a:1,b.2", "a.1,b.2"),
        ok("a.0", "a.0"),
        ok("A-b_9.1", "A-b_9.1"),
        ok(LONGEST_ORIGIN + ".1", LONGEST_ORIGIN + ".1"),
        ok("a." + Long.toString(Long.MAX_VALUE, 36), "a." + Long.toString(Long.MAX_VALUE, 36)),
        refused("a", "Last-Event-ID 'a" + notACursor),
        refused(".1", "Last-Event-ID '.1" + notACursor),
        refused("a.1,", "Last-Event-ID 'a.1," + notACursor),
        refused("a b.1", "Last-Event-ID 'a b.1" + notACursor),
        refused(LONGEST_ORIGIN + "o.1", "Last-Event-ID '" + LONGEST_ORIGIN + "o.1" + notACursor),
        refused("a.", "Last-Event-ID 'a.' has an invalid sequence number for origin a"),
        refused("a.-1", "Last-Event-ID 'a.-1' has an invalid sequence number for origin a"),
        refused("a.1.2", "Last-Event-ID 'a.1.2' has an invalid sequence number for origin a"),
        refused("a." + Long.toString(Long.MAX_VALUE, 36) + "0",
            "Last-Event-ID 'a." + Long.toString(Long.MAX_VALUE, 36) + "0' has an invalid sequence number for origin a"),
        refused("a.1,a:2", "Last-Event-ID names origin a twice"),
        refused("a".repeat(Cursor.MAX_TEXT_LENGTH + 1),
            "Last-Event-ID is longer than " + Cursor.MAX_TEXT_LENGTH + " characters")
    ).map(p -> DynamicTest.dynamicTest(p.text() == null ? "null" : p.text().isEmpty() ? "empty"
        : p.text().length() > 40 ? p.text().substring(0, 40) + "..." : p.text(), () -> {
          if (p.refusal() == null) {
            Cursor c = Cursor.parse(p.text());
            assertEquals(p.canonical(), c.toString());
            assertEquals(c, Cursor.parse(c.toString()), "its text parses back to it");
          } else {
            assertEquals(p.refusal(), assertThrows(IllegalArgumentException.class, () -> Cursor.parse(p.text()))
                .getMessage());
          }
        }));
  }

  @TestFactory
  Stream<DynamicTest> mergeCoversAdvanceAndWithout() {
    Cursor a = Cursor.parse("a.5,b.3");
    return Stream.of(
        DynamicTest.dynamicTest("merge keeps each origin's highest", () ->
            assertEquals("a.5,b.4,c.1", a.merge(Cursor.parse("a.2,b.4,c.1")).toString())),
        DynamicTest.dynamicTest("advance never goes backwards", () -> {
          assertEquals("a.5,b.3", a.advance("a", 4).toString());
          assertEquals("a.6,b.3", a.advance("a", 6).toString());
        }),
        DynamicTest.dynamicTest("covers: at or beyond every origin the other names", () -> {
          assertTrue(a.covers(Cursor.parse("a.5")));
          assertTrue(a.covers(Cursor.EMPTY));
          assertEquals(false, a.covers(Cursor.parse("a.6")));
          assertEquals(false, a.covers(Cursor.parse("c.0")), "an origin it does not name is not covered");
        }),
        DynamicTest.dynamicTest("without drops one origin; position of an absent one is -1", () -> {
          assertEquals("b.3", a.without("a").toString());
          assertEquals(-1, a.without("a").position("a"));
          assertEquals("-", Cursor.EMPTY.without("a").toString());
        }));
  }
}
