package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.util.regex.Pattern;

/**
 * Drops the two lines that libraries log at WARN or ERROR for things that are not problems, so that an operator
 * can alert on every WARN and ERROR line (installed by {@code logback.xml}). Each is matched exactly; everything
 * else from the same loggers still goes through.
 * <ul>
 *   <li>Micrometer's "This Gauge has been already registered" for a {@code vertx.*} meter: vertx-micrometer-metrics
 *   registers its gauges (event bus handlers, pending messages, active connections) again for every handler or
 *   connection and keeps the first, by design (vertx-micrometer-metrics issue 259, "no worries, it does not impact
 *   the accuracy of data"). A re-registered meter of another name (the gateway's {@code sse.*}) still goes through.</li>
 *   <li>Vert.x's {@code ConnectionBase} "Connection reset" at ERROR: a TCP peer that went away (a cluster member
 *   that died, a client that reset its connection) is an expected event; a member leaving has its own
 *   {@code event=cluster_member_left} line. With the native transport it reads
 *   {@code recvAddress(..) failed with error(-104): Connection reset by peer}.</li>
 * </ul>
 */
public final class KnownNoiseFilter extends TurboFilter {

  static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";
  static final String GAUGE_AGAIN = "This Gauge has been already registered (MeterId{name='vertx.";
  static final String CONNECTION_BASE = dev.ssegateway.gateway.VertxInternals.CONNECTION_LOGGER;
  /** The same reset as Linux's native transport (epoll) words it: {@code recvAddress(..) failed with error(-104): ...}. */
  static final Pattern NATIVE_RESET =
      Pattern.compile("[A-Za-z]+\\(\\.\\.\\) failed with error\\(-104\\): Connection reset by peer");

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (format == null || level == null) {
      return FilterReply.NEUTRAL;
    }
    String name = logger.getName();
    if (level == Level.WARN && name.equals(METER_REGISTRY) && format.startsWith(GAUGE_AGAIN)) {
      return FilterReply.DENY;
    }
    if (level == Level.ERROR && name.equals(CONNECTION_BASE)
        && (format.equals("Connection reset") || format.equals("Connection reset by peer")
        || NATIVE_RESET.matcher(format).matches())) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
