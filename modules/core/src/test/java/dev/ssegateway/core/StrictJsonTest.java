package dev.ssegateway.core;

import io.vertx.core.json.DecodeException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Only RFC 8259 JSON passes: every leniency Jackson (and Vert.x's own decoder) knows is refused. */
class StrictJsonTest {

  /** Bodies a browser's JSON.parse refuses. */
  static final List<String> NOT_JSON = List.of(
      "/*c*/{\"a\":1}",
      "{\"a\":1}/*c*/",
      "// c\n{\"a\":1}",
      "# c\n{\"a\":1}",
      "{'a':1}",
      "{\"a\":'x'}",
      "{a:1}",
      "{\"a\":1,}",
      "[1,2,]",
      "[1,,2]",
      "{\"a\":NaN}",
      "{\"a\":Infinity}",
      "{\"a\":-Infinity}",
      "{\"a\":01}",
      "{\"a\":+1}",
      "{\"a\":.5}",
      "{\"a\":1.}",
      "{\"a\":\"tab\there\"}",
      "{\"a\":\"\\q\"}",
      "{\"a\":1}{\"b\":2}",
      "{\"a\":1} x",
      "{\"a\":1",
      "",
      "   ",
      "undefined",
      "{\"a\":tru}");

  /** Bodies JSON.parse accepts. */
  static final List<String> JSON = List.of(
      "{\"a\":1}", " {\"a\" : [1, -2.5e3, true, false, null, \"\\u00e9\\n\"]} \n", "[]", "\"text\"", "42", "null",
      "{\"a\":1,\"a\":2}", "{\"deep\":{\"er\":[[[{}]]]}}");

  @Test
  void everyLenientFormIsRefused() {
    for (String body : NOT_JSON) {
      assertThrows(DecodeException.class, () -> StrictJson.check(body), body);
    }
  }

  @Test
  void standardJsonPasses() {
    for (String body : JSON) {
      assertDoesNotThrow(() -> StrictJson.check(body), body);
    }
  }

  @Test
  void aRefusalDoesNotRepeatTheText() {
    DecodeException e = assertThrows(DecodeException.class, () -> StrictJson.check("{\"admin.token\": s3cr3t-value}"));
    assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
  }
}
