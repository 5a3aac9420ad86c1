package dev.ssegateway.app;

import dev.ssegateway.gateway.VertxInternals;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Nothing in the process dies without a line in the log. Every exception that reaches the Vert.x
 * instance's exception handler (thrown by a handler or timer of any verticle: a user's publisher, the
 * ticker, the gateway) and every exception that ends a thread is logged with its context (the verticle's
 * name, the thread) and counted, and the verticle's event loop carries on. One line per distinct cause
 * (source, exception class, throwing frame) per minute, with the number held back since, so a publisher
 * that throws on every tick cannot flood the log; the counters count every failure.
 */
public final class UncaughtErrors implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(UncaughtErrors.class);
  private static final String MAP = "sse-gateway";
  private static final String KEY = "uncaught-errors";
  private static final long WINDOW_MS = 60_000;
  private static final int MAX_CAUSES = 1000;
  /** Counter key of exceptions that ended a thread outside any verticle. */
  public static final String THREAD = "thread";
  /** Counter key of exceptions on a context that belongs to no verticle (e.g. {@code vertx.runOnContext}). */
  public static final String NO_VERTICLE = "no_verticle";

  private static volatile UncaughtErrors jvmHandler;

  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> bySource = new ConcurrentHashMap<>();
  private final java.util.List<java.util.function.Consumer<String>> sourceListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Per cause: time of its last line and failures held back since. */
  private final Map<String, long[]> causes = new ConcurrentHashMap<>();

  private UncaughtErrors() {
  }

  /**
   * Installs the handlers on {@code vertx} (and the JVM's default uncaught exception handler, which then
   * reports to this instance); returns the instance already installed on {@code vertx} if any.
   */
  public static UncaughtErrors install(Vertx vertx) {
    UncaughtErrors errors = (UncaughtErrors) vertx.sharedData().getLocalMap(MAP).computeIfAbsent(KEY,
        k -> new UncaughtErrors());
    vertx.exceptionHandler(errors::onVertxException);
    jvmHandler = errors;
    Thread.setDefaultUncaughtExceptionHandler(UncaughtErrors::onThreadDeath);
    return errors;
  }

  /** Failures counted so far, all sources. */
  public long total() {
    return total.sum();
  }

  /** Failures counted so far for {@code source}: a verticle name, {@link #THREAD} or {@link #NO_VERTICLE}. */
  public long count(String source) {
    LongAdder n = bySource.get(source);
    return n == null ? 0 : n.sum();
  }

  /** Calls {@code listener} with every source counted so far, then with each new one when it first fails. */
  public void forEachSource(java.util.function.Consumer<String> listener) {
    sourceListeners.add(listener);
    bySource.keySet().forEach(listener);
  }

  public JsonObject toJson() {
    Map<String, Object> sources = new TreeMap<>();
    bySource.forEach((source, n) -> sources.put(source, n.sum()));
    return new JsonObject().put("uncaught_errors", total.sum()).put("uncaught_errors_by_source", new JsonObject(sources));
  }

  private void onVertxException(Throwable error) {
    try {
      report(verticleOf(Vertx.currentContext()), Thread.currentThread().getName(), error);
    } catch (RuntimeException e) {
      LOG.error("event=uncaught_error_report_failed cause=\"{}\"", e.toString(), error);
    }
  }

  private static void onThreadDeath(Thread thread, Throwable error) {
    UncaughtErrors errors = jvmHandler;
    try {
      errors.report(THREAD, thread.getName(), error);
    } catch (RuntimeException e) {
      LOG.error("event=uncaught_error thread={} cause=\"{}\"", thread.getName(), error, error);
    }
  }

  void report(String source, String thread, Throwable error) {
    total.increment();
    LongAdder n = bySource.get(source);
    if (n == null) {
      LongAdder fresh = new LongAdder();
      n = bySource.putIfAbsent(source, fresh);
      if (n == null) {
        n = fresh;
        sourceListeners.forEach(l -> l.accept(source));
      }
    }
    n.increment();
    StackTraceElement[] trace = error.getStackTrace();
    String at = trace.length == 0 ? "unknown" : trace[0].toString();
    String cause = source + "|" + error.getClass().getName() + "|" + at;
    long now = System.currentTimeMillis();
    long heldBack;
    if (causes.size() > MAX_CAUSES) {
      causes.clear();
    }
    long[] entry = causes.computeIfAbsent(cause, c -> new long[] {0, 0});
    synchronized (entry) {
      if (now - entry[0] < WINDOW_MS) {
        entry[1]++;
        return;
      }
      heldBack = entry[1];
      entry[0] = now;
      entry[1] = 0;
    }
    LOG.error("event=uncaught_error source={} thread={} cause=\"{}\" at={} repeated_since_last_line={}",
        source, thread, error.toString(), at, heldBack, error);
  }

  /** The name of the verticle that owns {@code context}: its deployment identifier, without {@code java:}. */
  static String verticleOf(Context context) {
    if (context == null) {
      return NO_VERTICLE;
    }
    try {
      String id = VertxInternals.verticleIdentifier(context);
      if (id == null) {
        return NO_VERTICLE;
      }
      return id.startsWith("java:") ? id.substring(5) : id;
    } catch (RuntimeException e) {
      String id = context.deploymentID();
      return id == null ? NO_VERTICLE : id;
    }
  }
}
