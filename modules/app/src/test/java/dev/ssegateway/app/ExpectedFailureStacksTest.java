package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With the shipped {@code logback.xml}: the event bus's failed connection to a crashed member is one line with its
 * cause; every other exception keeps its full stack trace, also from the same logger.
 */
class ExpectedFailureStacksTest {

  private final LoggerContext context = new LoggerContext();

  @AfterEach
  void stop() {
    context.stop();
  }

  @SuppressWarnings("unchecked")
  private Layout<ILoggingEvent> shippedLayout() throws Exception {
    URL xml = getClass().getResource("/logback.xml");
    assertNotNull(xml, "logback.xml on the classpath");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(xml);
    ConsoleAppender<ILoggingEvent> appender = (ConsoleAppender<ILoggingEvent>)
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    return ((PatternLayoutEncoder) appender.getEncoder()).getLayout();
  }

  private String format(Layout<ILoggingEvent> layout, String logger, Level level, String message, Throwable t) {
    return layout.doLayout(new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, t, null));
  }

  private static Exception refused() {
    Exception e = new IllegalStateException("finishConnect(..) failed with error(-111): Connection refused: "
        + "/127.0.0.1:42551", new ConnectException("finishConnect(..) failed with error(-111): Connection refused"));
    e.fillInStackTrace();
    return e;
  }

  @Test
  void aFailedConnectionToACrashedMemberIsOneLineWithItsCause() throws Exception {
    String out = format(shippedLayout(), ExpectedFailureStacks.CLUSTERED_EVENT_BUS, Level.WARN,
        "Connecting to server 45786fbd-81aa-4140-84b3-9426d95d4a55 failed", refused());
    assertEquals(1, out.lines().count(), out);
    assertTrue(out.contains("WARN") && out.contains("Connecting to server 45786fbd-81aa-4140-84b3-9426d95d4a55 failed"
        + " cause=\"java.lang.IllegalStateException: finishConnect(..) failed with error(-111): Connection refused: "
        + "/127.0.0.1:42551; caused by java.net.ConnectException: finishConnect(..) failed with error(-111): "
        + "Connection refused\""), out);
  }

  @Test
  void everyOtherExceptionKeepsItsStackTrace() throws Exception {
    Layout<ILoggingEvent> layout = shippedLayout();
    String sameLogger = format(layout, ExpectedFailureStacks.CLUSTERED_EVENT_BUS, Level.ERROR, "Failed to send message",
        refused());
    String otherLogger = format(layout, "io.vertx.core.impl.ContextBase", Level.WARN,
        "Connecting to server x failed", refused());
    String noException = format(layout, ExpectedFailureStacks.CLUSTERED_EVENT_BUS, Level.WARN,
        "Connecting to server x failed", null);
    for (String out : new String[] {sameLogger, otherLogger}) {
      assertTrue(out.lines().count() > 3 && out.contains("\tat dev.ssegateway.app.ExpectedFailureStacksTest.refused")
          && out.contains("Caused by: java.net.ConnectException") && !out.contains("cause=\""), out);
    }
    assertEquals(1, noException.lines().count(), noException);
    assertTrue(noException.endsWith("Connecting to server x failed" + System.lineSeparator()), noException);
  }
}
