package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.SseParser;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SseEncoderTest {

  private static List<SseFrame> parse(Buffer... chunks) {
    List<SseFrame> frames = new ArrayList<>();
    SseParser parser = new SseParser(frames::add);
    for (Buffer b : chunks) {
      parser.feed(b);
    }
    return frames;
  }

  @Test
  void multiLineDataRoundTripsThroughAStandardParser() {
    String data = "line one\nline two\r\nline three\rlast\n\nafter blank";
    List<SseFrame> frames = parse(SseEncoder.frame("o:1", "note", data));
    assertEquals(1, frames.size());
    assertEquals("note", frames.get(0).type());
    assertEquals("o:1", frames.get(0).id());
    assertEquals("line one\nline two\nline three\nlast\n\nafter blank", frames.get(0).data());
  }

  @Test
  void dataCannotSmuggleFieldsOrEndTheFrame() {
    String attack = "x\n\nid: forged\nevent: admin\ndata: injected\n\nretry: 1";
    List<SseFrame> frames = parse(SseEncoder.frame("o:2", "msg", attack), SseEncoder.frame("o:3", "msg", "next"));
    assertEquals(2, frames.size(), "one frame per event, whatever the data holds");
    assertEquals("o:2", frames.get(0).id());
    assertEquals("msg", frames.get(0).type());
    assertEquals("x\n\nid: forged\nevent: admin\ndata: injected\n\nretry: 1", frames.get(0).data());
    assertEquals(-1, frames.get(0).retry());
    assertEquals("next", frames.get(1).data());
  }

  @Test
  void emptyDataAndTrailingNewlineSurvive() {
    assertEquals("", parse(SseEncoder.frame("o:1", "m", "")).get(0).data());
    assertEquals("a\n", parse(SseEncoder.frame("o:1", "m", "a\n")).get(0).data());
  }

  @Test
  void loneSurrogatesAndNulAreNormalisedToReplacementCharacter() {
    String data = "a\uD800b\u0000c\uDC00d\uD83D\uDE00";
    SseFrame frame = parse(SseEncoder.frame("o:1", "m", data)).get(0);
    assertEquals("a\uFFFDb\uFFFDc\uFFFDd\uD83D\uDE00", frame.data());
  }

  @Test
  void frameSplitAcrossArbitraryChunksParsesTheSame() {
    Buffer whole = SseEncoder.frame("o:9", "m", "héllo\nwörld \uD83D\uDE00");
    for (int cut = 1; cut < whole.length(); cut++) {
      List<SseFrame> frames = parse(whole.slice(0, cut).copy(), whole.slice(cut, whole.length()).copy());
      assertEquals("héllo\nwörld \uD83D\uDE00", frames.get(0).data(), "cut at " + cut);
    }
  }

  @Test
  void idsEventNamesAndCommentsWithLineBreaksAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idLine("a\nb"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idLine("a\rb"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idLine("a\u0000b"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.body("a\nevent: x", "d"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.comment("x\ndata: y"));
  }
}
