package dev.ssegateway.config;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects the formatted lines one logger writes, from any thread, so a test can count them. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final Logger logger;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogCapture(String name) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
  }

  static LogCapture of(Class<?> source) {
    return new LogCapture(source.getName());
  }

  /** Every logger's lines (the root logger's appenders see them all), with any exception's text. */
  static LogCapture all() {
    return new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @Override
  protected void append(ILoggingEvent event) {
    lines.add(event.getThrowableProxy() == null ? event.getFormattedMessage()
        : event.getFormattedMessage() + " " + event.getThrowableProxy().getMessage());
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  List<String> containing(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
