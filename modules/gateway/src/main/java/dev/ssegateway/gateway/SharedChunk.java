package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Bytes framed once as an HTTP/1.1 chunk ({@code <hex size>\r\n<bytes>\r\n}) in off-heap memory, so that
 * every connection writes the very same memory to its socket: no per-connection copy, no per-connection
 * chunk encoding. A write cannot release it (the buffer is unreleasable); the memory is freed by the garbage
 * collector with the last reference, so a chunk shared by the history and by many pending writes needs no
 * reference counting.
 */
final class SharedChunk {

  /** Direct buffers backed by a JDK {@code ByteBuffer}, whose cleaner frees the memory; no leak tracking. */
  private static final ByteBufAllocator OFF_HEAP = new UnpooledByteBufAllocator(true, true, false);

  private SharedChunk() {
  }

  /** {@code bytes} framed as one chunk; {@code bytes} must not be empty (an empty chunk ends a response). */
  static ByteBuf of(byte[] bytes) {
    if (bytes.length == 0) {
      throw new IllegalArgumentException("an empty chunk would end the response");
    }
    byte[] size = (Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    int length = size.length + bytes.length + 2;
    ByteBuf memory = OFF_HEAP.directBuffer(length, length)
        .writeBytes(size).writeBytes(bytes).writeByte('\r').writeByte('\n');
    return Unpooled.unreleasableBuffer(memory);
  }

  static ByteBuf of(Buffer bytes) {
    return of(bytes.getBytes());
  }

  /** The bytes inside {@code chunk}, as a Vert.x buffer over the same memory. */
  static Buffer payload(ByteBuf chunk) {
    int start = chunk.indexOf(chunk.readerIndex(), chunk.writerIndex(), (byte) '\n') + 1;
    return VertxInternals.buffer(chunk.slice(start, chunk.writerIndex() - start - 2));
  }
}
