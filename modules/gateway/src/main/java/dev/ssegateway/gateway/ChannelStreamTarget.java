package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;

import java.util.function.LongConsumer;

/**
 * An HTTP/1.1 stream's writes, put straight on its Netty channel below Vert.x's HTTP encoder: the bytes are
 * already HTTP chunks ({@link SharedChunk}), shared by every stream, so a delivery costs no chunk encoding,
 * no copy and no promise. Writes made in one {@link WriteBatch} leave in one flush.
 *
 * <p>The response head and the stream's first bytes still go through Vert.x (so the head, the encoder's
 * state and the final {@code end()} stay Vert.x's); this target takes over only once those writes have
 * left Vert.x's own queue ({@link HandoverTarget}). Slow clients are judged by the channel's write-buffer water mark, which the stream's
 * {@code setWriteQueueMaxSize} sets and which counts unflushed bytes too: a batch flushes a stream early once
 * it owes half of it, so batching alone never makes a healthy client look slow.
 */
final class ChannelStreamTarget implements StreamTarget, WriteBatch.Flushable {

  /** Counts the bytes written here in Vert.x's metrics of the connection. */
  private final LongConsumer bytesWritten;
  private final Channel channel;
  private final ChannelHandlerContext belowEncoder;
  private final WriteBatch batch;
  private final int flushBytes;
  private int unflushed;
  private boolean inBatch;

  private ChannelStreamTarget(LongConsumer bytesWritten, ChannelHandlerContext encoder, WriteBatch batch) {
    this.bytesWritten = bytesWritten;
    this.channel = encoder.channel();
    this.belowEncoder = encoder;
    this.batch = batch;
    this.flushBytes = Math.max(1, channel.config().getWriteBufferHighWaterMark() / 2);
  }

  /**
   * A direct target for an HTTP/1.1 {@code connection}, or null when its writes must stay with Vert.x: not a
   * plain HTTP/1.x pipeline (HTTP/2, compression) or not on this thread. Call on the connection's event loop.
   */
  static ChannelStreamTarget attach(HttpConnection connection, WriteBatch batch) {
    Channel channel = VertxInternals.channel(connection);
    LongConsumer bytesWritten = VertxInternals.bytesWrittenReporter(connection);
    if (channel == null || bytesWritten == null) {
      return null;
    }
    ChannelPipeline pipeline = channel.pipeline();
    ChannelHandlerContext encoder = pipeline.context(VertxInternals.HTTP_ENCODER);
    if (encoder == null || pipeline.get(VertxInternals.COMPRESSOR) != null || !channel.eventLoop().inEventLoop()) {
      return null;
    }
    return new ChannelStreamTarget(bytesWritten, encoder, batch);
  }

  @Override
  public void write(Buffer bytes) {
    if (bytes.length() > 0) {
      send(SharedChunk.of(bytes));
    }
  }

  @Override
  public void writeShared(ByteBuf chunk) {
    send(chunk.duplicate(), null);
  }

  @Override
  public void write(Buffer bytes, Runnable written) {
    if (bytes.length() > 0) {
      send(SharedChunk.of(bytes), written);
    } else {
      written.run();
    }
  }

  @Override
  public void writeShared(ByteBuf chunk, Runnable written) {
    send(chunk.duplicate(), written);
  }

  private void send(ByteBuf chunk) {
    send(chunk, null);
  }

  /** {@code written}, when given, runs on the channel's loop once the bytes are in the socket (or failed). */
  private void send(ByteBuf chunk, Runnable written) {
    if (!channel.isActive()) {
      return; // gone: its close handler removes the stream
    }
    int size = chunk.readableBytes();
    // From the encoder's context the write goes to the handlers before it (TLS, the socket), not through it.
    belowEncoder.write(chunk, written == null ? belowEncoder.voidPromise()
        : belowEncoder.newPromise().addListener(f -> written.run()));
    bytesWritten.accept(size);
    unflushed += size;
    if (!batch.open() || unflushed >= flushBytes) {
      flush();
    } else if (!inBatch) {
      inBatch = true;
      batch.flushLater(this);
    }
  }

  @Override
  public void flush() {
    inBatch = false;
    if (unflushed > 0) {
      unflushed = 0;
      belowEncoder.flush();
    }
  }

  @Override
  public boolean writeQueueFull() {
    return channel.isActive() && !channel.isWritable(); // a closed stream is not slow: its close handler ends it
  }
}
