package dev.ssegateway.gateway;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;

import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The points where a test may step into the event path, fixed when the gateway is built. Production uses
 * {@link #NONE}: the real allocator, the fan-out's bus handler as is, and each lane running its tasks itself, so
 * no check or extra call is left on the hot path (the lane's runner is a final field with one implementation,
 * which the JIT inlines away).
 *
 * @param chunks       allocates each event's off-heap frame ({@link SharedChunk#of}); tests make it fail
 * @param fanOutIntake wraps the fan-out's handler of {@code BusAddresses.EVENTS}, once, at (re)subscription; tests
 *                     hold messages to make the fan-out look stuck
 * @param laneTasks    for each lane's context, what runs the tasks posted to that lane; tests hold them to make
 *                     one lane look stuck while its event loop is not
 */
record Seams(Function<byte[], ByteBuf> chunks,
             UnaryOperator<Handler<Message<Object>>> fanOutIntake,
             Function<Context, Executor> laneTasks) {

  private static final Executor DIRECT = Runnable::run;

  static final Seams NONE = new Seams(SharedChunk::of, UnaryOperator.identity(), context -> DIRECT);

  Seams withChunks(Function<byte[], ByteBuf> allocator) {
    return new Seams(allocator, fanOutIntake, laneTasks);
  }
}
