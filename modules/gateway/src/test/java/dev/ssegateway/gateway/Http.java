package dev.ssegateway.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.lang.ref.Reference;
import java.util.function.Predicate;

/** Plain HTTP requests to a gateway under test, and polling one until its answer satisfies a condition. */
final class Http {

  record Answer(int status, String body) {
  }

  private Http() {
  }

  static Future<Answer> get(HttpClient client, int port, String path) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI(path))
        // body() in send()'s own listener: one composition further a small answer may have ended
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString()))))
        // the client stays reachable until the answer: Vert.x 5 closes the connections of a client that is garbage
        // collected ("Pool closed"), and a caller may hold it nowhere else (an inline createHttpClient(), a chain)
        .andThen(ar -> Reference.reachabilityFence(client));
  }

  /** GETs {@code path} every 50 ms until the answer satisfies {@code until}; fails after {@code timeoutMs}. */
  static Future<Answer> poll(Vertx vertx, HttpClient client, int port, String path, Predicate<Answer> until,
                             long timeoutMs) {
    Promise<Answer> p = Promise.promise();
    poll(vertx, client, port, path, until, System.currentTimeMillis() + timeoutMs, p, null);
    return p.future();
  }

  private static void poll(Vertx vertx, HttpClient client, int port, String path, Predicate<Answer> until,
                           long deadline, Promise<Answer> p, Answer last) {
    if (System.currentTimeMillis() > deadline) {
      p.tryFail("timed out polling " + path + "; last answer " + last);
      return;
    }
    get(client, port, path).onComplete(ar -> {
      if (ar.succeeded() && until.test(ar.result())) {
        p.tryComplete(ar.result());
      } else {
        vertx.setTimer(50, id -> poll(vertx, client, port, path, until, deadline, p,
            ar.succeeded() ? ar.result() : null));
      }
    });
  }
}
