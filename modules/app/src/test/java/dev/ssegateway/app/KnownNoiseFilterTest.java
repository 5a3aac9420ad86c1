package dev.ssegateway.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Only the two known non-problems are dropped; every other WARN and ERROR of the same loggers goes through. */
class KnownNoiseFilterTest {

  private final LoggerContext context = new LoggerContext();
  private final KnownNoiseFilter filter = new KnownNoiseFilter();

  private FilterReply decide(String logger, Level level, String message) {
    Logger l = context.getLogger(logger);
    return filter.decide(null, l, level, message, null, null);
  }

  @Test
  void vertxGaugesRegisteredAgainAreDroppedOtherMetersAreNot() {
    assertEquals(FilterReply.DENY, decide(KnownNoiseFilter.METER_REGISTRY, Level.WARN,
        "This Gauge has been already registered (MeterId{name='vertx.eventbus.handlers', tags=[]}), the registration "
            + "will be ignored. Note that subsequent logs will be logged at debug level."));
    assertEquals(FilterReply.NEUTRAL, decide(KnownNoiseFilter.METER_REGISTRY, Level.WARN,
        "This Gauge has been already registered (MeterId{name='sse.streams.open', tags=[]}), the registration "
            + "will be ignored."));
    assertEquals(FilterReply.NEUTRAL, decide(KnownNoiseFilter.METER_REGISTRY, Level.WARN, "something else"));
  }

  @Test
  void aPeerThatResetItsConnectionIsDroppedOtherConnectionErrorsAreNot() {
    assertEquals("io.vertx.core.net.impl.ConnectionBase", KnownNoiseFilter.CONNECTION_BASE, "the logger Vert.x logs a reset with");
    assertEquals(FilterReply.DENY, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR, "Connection reset"));
    assertEquals(FilterReply.DENY, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR, "Connection reset by peer"));
    // the native transport's (epoll) wording, seen on a survivor when a member was killed
    assertEquals(FilterReply.DENY, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR,
        "recvAddress(..) failed with error(-104): Connection reset by peer"));
    assertEquals(FilterReply.DENY, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR,
        "readAddress(..) failed with error(-104): Connection reset by peer"));
    assertEquals(FilterReply.NEUTRAL, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR,
        "recvAddress(..) failed with error(-12): Cannot allocate memory"));
    assertEquals(FilterReply.NEUTRAL, decide(KnownNoiseFilter.CONNECTION_BASE, Level.ERROR,
        "javax.net.ssl.SSLHandshakeException: no cipher suites in common"));
    assertEquals(FilterReply.NEUTRAL, decide("some.other.Logger", Level.ERROR, "Connection reset"));
  }
}
