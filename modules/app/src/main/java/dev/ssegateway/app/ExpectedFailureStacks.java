package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ExtendedThrowableProxyConverter;
import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * The exception part of a log line (installed by {@code logback.xml}): the full stack trace, as logback prints it by
 * default, except for one expected failure whose stack says nothing: Vert.x's WARN "Connecting to server &lt;node
 * id&gt; failed" when a cluster member has crashed (the event bus tries one connection per message sent to it until
 * the cluster drops the member: about twenty in half a second after a {@code kill -9}, each with Netty's connect
 * stack). For that line the cause chain, class and message, goes on the line itself ({@code %expectedFailure{line}}
 * after {@code %msg}) and no stack follows ({@code %expectedFailure} after {@code %n}). The line stays a WARN and
 * still names the member and the refused address, so a member that stays unreachable is seen as before.
 */
public final class ExpectedFailureStacks extends ThrowableHandlingConverter {

  static final String CLUSTERED_EVENT_BUS = dev.ssegateway.gateway.VertxInternals.CLUSTERED_EVENT_BUS_LOGGER;
  static final String CONNECT_FAILED = "Connecting to server ";

  private final ExtendedThrowableProxyConverter stack = new ExtendedThrowableProxyConverter();
  private boolean line;

  @Override
  public void start() {
    line = "line".equals(getFirstOption());
    stack.setContext(getContext());
    stack.start();
    super.start();
  }

  @Override
  public void stop() {
    stack.stop();
    super.stop();
  }

  @Override
  public String convert(ILoggingEvent event) {
    boolean expected = expected(event);
    if (line) {
      return expected ? " cause=\"" + causes(event.getThrowableProxy()) + "\"" : "";
    }
    return expected ? "" : stack.convert(event);
  }

  /** The event bus's failed connection to a member, with its cause. */
  static boolean expected(ILoggingEvent event) {
    return event.getThrowableProxy() != null && event.getLevel() == Level.WARN
        && CLUSTERED_EVENT_BUS.equals(event.getLoggerName())
        && event.getMessage() != null && event.getMessage().startsWith(CONNECT_FAILED);
  }

  /** Each cause's class and message, outermost first, on one line. */
  private static String causes(IThrowableProxy t) {
    StringBuilder b = new StringBuilder();
    for (int depth = 0; t != null && depth < 8; t = t.getCause(), depth++) {
      if (depth > 0) {
        b.append("; caused by ");
      }
      b.append(t.getClassName());
      if (t.getMessage() != null) {
        b.append(": ").append(t.getMessage());
      }
    }
    return b.toString().replace('"', '\'').replace('\n', ' ').replace('\r', ' ');
  }
}
