package dev.ssegateway.bench;

import dev.ssegateway.publisher.EventPublisher;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * The {@code publisher} scenario's in-process publisher: a verticle deployed inside the gateway through the
 * {@code publishers} conf key (the gateway started with {@code -cp sse-gateway.jar:sse-bench.jar}), publishing through
 * {@link EventPublisher} the same numbered events {@link RatePublisher} sends over HTTP. The driver steers it on a
 * loopback control port ({@code config.control_port}, default 18099): {@code POST /start?topic=&rate=&payload=},
 * {@code POST /stop}, {@code GET /seq}.
 */
public final class InProcessPublisher extends VerticleBase {

  /** Most events one 1 ms tick may publish (bounds the loop when the timer falls behind). */
  private static final int MAX_PER_TICK = 20_000;

  private EventPublisher publisher;
  private HttpServer control;
  private long timer = -1;
  private long nextSeq = 1;
  private long startNanos;
  private long sentThisRun;
  private double rate;
  private String topic;
  private int payload;
  private long failures;
  private String lastFailure;

  @Override
  public Future<?> start() {
    publisher = EventPublisher.of(vertx);
    control = vertx.createHttpServer().requestHandler(this::onControl);
    return control.listen(config().getInteger("control_port", 18099), "127.0.0.1");
  }

  private void onControl(HttpServerRequest req) {
    JsonObject answer;
    switch (req.path()) {
      case "/start" -> {
        vertx.cancelTimer(timer);
        topic = req.getParam("topic");
        rate = Double.parseDouble(req.getParam("rate"));
        payload = Integer.parseInt(req.getParam("payload", "100"));
        startNanos = System.nanoTime();
        sentThisRun = 0;
        answer = new JsonObject().put("first", nextSeq);
        timer = vertx.setPeriodic(1, id -> tick());
      }
      case "/stop" -> {
        vertx.cancelTimer(timer);
        answer = new JsonObject().put("achieved", sentThisRun / ((System.nanoTime() - startNanos) / 1e9));
      }
      default -> answer = new JsonObject();
    }
    answer.put("next", nextSeq).put("failures", failures).put("lastFailure", lastFailure);
    req.response().putHeader("Content-Type", "application/json").end(answer.encode());
  }

  private void tick() {
    long due = (long) ((System.nanoTime() - startNanos) / 1e9 * rate);
    for (int n = 0; sentThisRun < due && n < MAX_PER_TICK; n++) {
      StringBuilder b = new StringBuilder(payload + 8).append("s=").append(nextSeq++).append(" t=")
          .append(EpochMicros.now()).append(' ');
      while (b.length() < payload) {
        b.append('x');
      }
      sentThisRun++;
      publisher.publish(topic, b.toString()).onFailure(e -> {
        failures++;
        lastFailure = e.getMessage();
      });
    }
  }

  /** The control port it listens on (the configured one, or the one chosen for 0). */
  public int controlPort() {
    return control.actualPort();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return control.close();
  }
}
