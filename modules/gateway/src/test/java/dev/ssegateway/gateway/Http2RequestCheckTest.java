package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Http2RequestCheck} in front of a plain Netty HTTP/2 server codec, fed the client's bytes in pieces of every
 * size from 1 byte (a frame, a header block and the preface cut anywhere): its own decoder stays in step with the
 * codec's (the HPACK dynamic table is shared by every block of the connection), so it refuses exactly the request over
 * the announced header list size, on every cut, and lets the others through to the codec.
 */
class Http2RequestCheckTest {

  private static final int LIST_SIZE = 4096;

  /** The client's bytes: preface, SETTINGS, then requests on streams 1, 3, 5; the one on 3 is over the list size. */
  private static byte[] clientBytes() throws Exception {
    DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
    Buffer out = Buffer.buffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "ISO-8859-1");
    out.appendBytes(RawH2.frame(4, 0, 0, new byte[0]));
    for (int id = 1; id <= 5; id += 2) {
      // indexed fields (the second request's repeat the first's from the dynamic table) and a large one on stream 3
      Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http").authority("a")
          .path("/events?topic=a" + id).add("x-shared", "s".repeat(200));
      if (id == 3) {
        headers.add("x-big", "v".repeat(LIST_SIZE));
      }
      ByteBuf block = Unpooled.buffer();
      encoder.encodeHeaders(id, headers, block);
      byte[] bytes = new byte[block.readableBytes()];
      block.readBytes(bytes);
      int half = bytes.length / 2; // HEADERS and a CONTINUATION
      out.appendBytes(RawH2.frame(1, 0x1, id, java.util.Arrays.copyOfRange(bytes, 0, half)));
      out.appendBytes(RawH2.frame(9, 0x4, id, java.util.Arrays.copyOfRange(bytes, half, bytes.length)));
    }
    return out.getBytes();
  }

  @Test
  void theCheckRefusesExactlyTheRequestOverTheListSizeWhereverTheBytesAreCut() throws Exception {
    byte[] bytes = clientBytes();
    for (int piece : new int[] {1, 2, 3, 7, 9, 10, 23, 24, 25, 100, 1000, bytes.length}) {
      List<Integer> served = new ArrayList<>();
      GatewayStats stats = new GatewayStats();
      EmbeddedChannel channel = new EmbeddedChannel();
      channel.pipeline().addLast(Http2FrameCodecBuilder.forServer()
          .initialSettings(new Http2Settings().maxHeaderListSize(LIST_SIZE)).build());
      channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame h) {
            served.add(h.stream().id());
          }
          io.netty.util.ReferenceCountUtil.release(msg);
        }
      });
      Http2RequestCheck.install(channel.pipeline(), stats);
      for (int at = 0; at < bytes.length; at += piece) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, Math.min(piece, bytes.length - at)));
        channel.runPendingTasks();
      }
      String written = written(channel);
      assertEquals(List.of(1, 5), served, "pieces of " + piece + ": the requests within the size reach the server");
      assertEquals(1, stats.rejectedByReason.count("headers_too_large"), "pieces of " + piece);
      assertTrue(written.contains("\"error\":\"headers_too_large\""), "pieces of " + piece + ": the JSON answer");
      assertTrue(channel.isActive(), "pieces of " + piece + ": the connection stays open");
      channel.finishAndReleaseAll();
    }
  }

  /** What the server wrote, as text (frames and all). */
  private static String written(EmbeddedChannel channel) {
    StringBuilder text = new StringBuilder();
    for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
      ByteBuf b = (ByteBuf) o;
      text.append(b.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
      b.release();
    }
    return text.toString();
  }
}
