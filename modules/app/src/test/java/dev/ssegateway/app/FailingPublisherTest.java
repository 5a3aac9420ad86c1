package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.gateway.Gateway;
import dev.ssegateway.publisher.EventPublisher;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A publisher verticle that throws in its own timers does not take down the gateway or other publishers:
 * streams keep getting the other publishers' events, every failure is counted under the verticle's name,
 * and the log holds one line per distinct cause, not one per failure.
 */
@ExtendWith(VertxExtension.class)
class FailingPublisherTest {

  private static final int TICKS = 300;

  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Logger logger;

  @BeforeEach
  void captureLog() {
    logger = (Logger) LoggerFactory.getLogger(UncaughtErrors.class);
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(logged);
  }

  /** Throws on every tick of a 5 ms timer, alternating between two distinct causes; stops after TICKS. */
  static final class FailingPublisher extends VerticleBase {
    private int ticks;

    @Override
    public Future<?> start() {
      vertx.setPeriodic(5, id -> {
        if (++ticks >= TICKS) {
          vertx.cancelTimer(id);
        }
        if (ticks % 2 == 0) {
          throw new IllegalStateException("tick " + ticks + " failed");
        }
        failOddTick(ticks);
      });
      return Future.succeededFuture();
    }

    private static void failOddTick(int tick) {
      throw new ArithmeticException("odd tick " + tick);
    }
  }

  /** Publishes one good event on topic {@code good} every 10 ms. */
  static final class GoodPublisher extends VerticleBase {
    private long timer;

    @Override
    public Future<?> start() {
      EventPublisher publisher = EventPublisher.of(vertx);
      long[] n = new long[1];
      timer = vertx.setPeriodic(10, id -> publisher.publish("good", "good-" + ++n[0]));
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      vertx.cancelTimer(timer);
      return Future.succeededFuture();
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void aPublisherThrowingOnEveryTickIsLoggedOncePerCauseCountedAndHarmsNoOne(Vertx vertx, VertxTestContext ctx) {
    UncaughtErrors errors = UncaughtErrors.install(vertx);
    String failing = FailingPublisher.class.getName();
    EventPublisher.install(vertx, "n1");
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> SseTestClient.open(vertx.createHttpClient(), g.port(), "/events?topic=good"))
        .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s))
        .compose(s -> vertx.deployVerticle(new GoodPublisher())
            .compose(id -> vertx.deployVerticle(new FailingPublisher()))
            .compose(id -> Await.until(vertx, () -> errors.count(failing) == TICKS, 30_000,
                () -> "failures counted: " + errors.toJson()))
            .compose(v -> {
              long seen = SseTestClient.count(s.frames(), "message");
              return s.awaitType("message", (int) seen + 5).map(f -> s);
            }))
        .onComplete(ctx.succeeding(s -> ctx.verify(() -> {
          assertEquals(TICKS, errors.count(failing));
          assertEquals(TICKS, errors.total(), errors.toJson()::encode);
          List<String> lines = logged.list.stream().filter(e -> e.getLevel() == Level.ERROR)
              .map(ILoggingEvent::getFormattedMessage).toList();
          assertEquals(2, lines.size(), () -> "one line per distinct cause: " + lines);
          assertTrue(lines.stream().allMatch(l -> l.contains("source=" + failing)), lines::toString);
          assertTrue(lines.stream().anyMatch(l -> l.contains("IllegalStateException")), lines::toString);
          assertTrue(lines.stream().anyMatch(l -> l.contains("ArithmeticException")), lines::toString);
          assertTrue(!s.isEnded(), "the stream is still open");
          s.close().onComplete(x -> ctx.completeNow());
        })));
  }
}
