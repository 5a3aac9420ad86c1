package dev.ssegateway.gateway;

import dev.ssegateway.core.SseFrame;
import dev.ssegateway.core.WireNames;
import dev.ssegateway.testsupport.Await;
import dev.ssegateway.testsupport.SseTestClient;
import dev.ssegateway.testsupport.TestOrigin;
import dev.ssegateway.testsupport.TestSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(VertxExtension.class)
class FanOutTest {

  static HttpClient client(Vertx vertx, int streams) {
    return vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(streams + 10));
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void everyConcurrentStreamReceivesEveryEventInOrderExactlyOnce(Vertx vertx, VertxTestContext ctx) {
    int streams = 200;
    int events = 50;
    HttpClient client = client(vertx, streams);
    TestOrigin origin = new TestOrigin(vertx, "pub");
    List<String> expected = IntStream.rangeClosed(1, events).mapToObj(i -> "event-" + i).toList();
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> {
          List<Future<SseTestClient>> opened = new ArrayList<>();
          for (int i = 0; i < streams; i++) {
            String topics = i % 2 == 0 ? "topic=a" : "topic=a&topic=other";
            opened.add(SseTestClient.open(client, g.port(), "/events?" + topics)
                .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
          }
          return Future.all(opened).map(all -> all.<SseTestClient>list());
        })
        .compose(all -> {
          expected.forEach(data -> origin.publish("a", data));
          origin.publish("unrelated", "not for a");
          return Future.all(all.stream().map(s -> s.awaitType("message", events)).toList()).map(x -> all);
        })
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (SseTestClient s : all) {
            List<String> got = s.framesOf("message").stream().map(SseFrame::data).toList();
            assertEquals(expected, got);
          }
          ctx.completeNow();
        })));
  }

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void openingAndClosingAThousandStreamsLeavesNoStreamAndNoTimerBehind(Vertx vertx, VertxTestContext ctx) {
    int batch = 200;
    int rounds = 5;
    HttpClient client = client(vertx, batch);
    Gateway.deploy(vertx, TestSettings.of(), "n1")
        .compose(g -> {
          Future<Void> chain = Future.succeededFuture();
          for (int r = 0; r < rounds; r++) {
            chain = chain.compose(v -> openAndClose(client, g.port(), batch));
          }
          return chain.compose(v -> Await.until(vertx,
              () -> g.stats().openStreams() == 0 && g.stats().heartbeatTimers() == 0, 20_000,
              () -> "streams and timers to drain: " + g.stats().toJson())).map(v -> g);
        })
        .onComplete(ctx.succeeding(g -> ctx.verify(() -> {
          assertEquals(batch * rounds, g.stats().streamsOpened.sum());
          assertEquals(0, g.stats().openStreams());
          assertEquals(0, g.stats().heartbeatTimers());
          ctx.completeNow();
        })));
  }

  private static Future<Void> openAndClose(HttpClient client, int port, int n) {
    List<Future<SseTestClient>> opened = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opened.add(SseTestClient.open(client, port, "/events?topic=t" + (i % 7))
          .compose(s -> s.awaitType(WireNames.HELLO, 1).map(f -> s)));
    }
    return Future.all(opened)
        .compose(all -> Future.all(all.<SseTestClient>list().stream().map(SseTestClient::close).toList()))
        .mapEmpty();
  }
}
