package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ssegateway.testsupport.Await;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing dies without a line in the log: uncaught exceptions on a Vert.x context or a thread are logged and counted. */
@ExtendWith(VertxExtension.class)
class UncaughtErrorsTest {

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

  /** The ERROR lines so far; read under the appender's lock, which every append holds (they come from any thread). */
  private List<ILoggingEvent> errorLines() {
    synchronized (logged) {
      return logged.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    }
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anExceptionThrownInRunOnContextIsLoggedWithContextAndCounted(Vertx vertx, VertxTestContext ctx) {
    UncaughtErrors errors = UncaughtErrors.install(vertx);
    assertSame(errors, UncaughtErrors.install(vertx), "installing twice keeps one set of counters");
    vertx.runOnContext(v -> {
      throw new IllegalStateException("boom in runOnContext");
    });
    // the event loop that failed counts first and logs second: wait for both, not for the count alone
    Await.until(vertx, () -> errors.total() == 1 && !errorLines().isEmpty(), 10_000,
            () -> "the failure to be counted and logged: " + errors.toJson() + ", " + errorLines())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(1, errors.count(UncaughtErrors.NO_VERTICLE), errors.toJson()::encode);
          List<ILoggingEvent> lines = errorLines();
          assertEquals(1, lines.size(), lines::toString);
          String line = lines.get(0).getFormattedMessage();
          assertTrue(line.contains("event=uncaught_error"), line);
          assertTrue(line.contains("source=" + UncaughtErrors.NO_VERTICLE), line);
          assertTrue(line.contains("thread=vert.x-eventloop-thread-"), line);
          assertTrue(line.contains("boom in runOnContext"), line);
          assertNotNull(lines.get(0).getThrowableProxy(), "the stack trace is logged");
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
  void anExceptionThatEndsAThreadIsLoggedAndCounted(Vertx vertx) throws InterruptedException {
    UncaughtErrors errors = UncaughtErrors.install(vertx);
    Thread t = new Thread(() -> {
      throw new IllegalArgumentException("thread dies");
    }, "doomed-thread");
    t.start();
    t.join(10_000);
    assertEquals(1, errors.count(UncaughtErrors.THREAD), errors.toJson()::encode);
    List<ILoggingEvent> lines = errorLines();
    assertEquals(1, lines.size(), lines::toString);
    assertTrue(lines.get(0).getFormattedMessage().contains("thread=doomed-thread"));
    assertTrue(lines.get(0).getFormattedMessage().contains("thread dies"));
  }
}
