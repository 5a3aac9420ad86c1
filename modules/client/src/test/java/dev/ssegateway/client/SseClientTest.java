package dev.ssegateway.client;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ssegateway.client.TestSseServer.error;
import static dev.ssegateway.client.TestSseServer.frame;
import static dev.ssegateway.client.TestSseServer.heartbeat;
import static dev.ssegateway.client.TestSseServer.hello;
import static dev.ssegateway.client.TestSseServer.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class SseClientTest {

  /** Extra time allowed on a loaded 2-core machine on top of what the policy itself allows. */
  private static final long MARGIN_MS = 2500;

  private SseClient client;

  @AfterEach
  void closeClient() throws Exception {
    if (client != null) {
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static long ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private static SseClientOptions options(String... urls) {
    SseClientOptions o = new SseClientOptions().addTopic("demo");
    for (String url : urls) {
      o.addUrl(url);
    }
    return o;
  }

  @Test
  void silentConnectionIsDroppedAfterStallTimeoutAndResumedWithLastId(Vertx vertx, VertxTestContext ctx) {
    AtomicLong lastSent = new AtomicLong();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        // headers, hello (heartbeat 1000 ms) and one heartbeat, then silence without closing
        stream(req).write(hello("node1", "node1:1", 1000) + heartbeat(1000))
            .onComplete(ar -> lastSent.set(System.nanoTime()));
      } else if (i == 1) {
        long elapsed = ms(lastSent.get(), System.nanoTime());
        System.out.println("stall: reconnect " + elapsed + " ms after the last byte (stall 2500 + backoff 375..625)");
        ctx.verify(() -> {
          assertEquals("node1:1", req.getHeader("Last-Event-ID"));
          assertTrue(elapsed >= 2500, "reconnected before the stall timeout: " + elapsed);
          assertTrue(elapsed <= 2500 + 625 + MARGIN_MS, "reconnected too late: " + elapsed);
        });
        ctx.completeNow();
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url())).start();
    }));
  }

  @Test
  void stallTimeoutFollowsTheHeartbeatIntervalOfTheLatestHeartbeat(Vertx vertx, VertxTestContext ctx) {
    AtomicLong lastSent = new AtomicLong();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        // hello announces 20 s; a hot reload then brings it to 1 s: the client must follow the 1 s
        stream(req).write(hello("node1", "node1:1", 20_000) + heartbeat(1000))
            .onComplete(ar -> lastSent.set(System.nanoTime()));
      } else if (i == 1) {
        long elapsed = ms(lastSent.get(), System.nanoTime());
        System.out.println("hot-reloaded heartbeat: reconnect " + elapsed + " ms after the last byte");
        ctx.verify(() -> {
          assertEquals(1000, client.heartbeatMs());
          assertTrue(elapsed >= 2500 && elapsed <= 2500 + 625 + MARGIN_MS, "elapsed " + elapsed);
        });
        ctx.completeNow();
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url())).start();
    }));
  }

  @Test
  void commentHeartbeatsCountAsLivenessAndCarryTheInterval(Vertx vertx, VertxTestContext ctx) {
    AtomicLong lastSent = new AtomicLong();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        stream(req).write(hello("node1", "node1:1", 20_000) + ": heartbeat {\"heartbeat_ms\":1000}\n")
            .onComplete(ar -> lastSent.set(System.nanoTime()));
      } else if (i == 1) {
        long elapsed = ms(lastSent.get(), System.nanoTime());
        System.out.println("comment heartbeat: reconnect " + elapsed + " ms after the last byte");
        ctx.verify(() -> {
          assertEquals("node1:1", req.getHeader("Last-Event-ID"));
          assertTrue(elapsed >= 2500 && elapsed <= 2500 + 625 + MARGIN_MS, "elapsed " + elapsed);
        });
        ctx.completeNow();
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url())).start();
    }));
  }

  @Test
  void unauthorizedFailsOnceAndNeverRetries(Vertx vertx, VertxTestContext ctx) {
    List<ConnectionState> states = new CopyOnWriteArrayList<>();
    TestSseServer.start(vertx, (i, req) -> error(req, 401, "unauthorized", "bad token"))
        .onComplete(ctx.succeeding(server -> {
          client = SseClient.create(vertx, options(server.url()).setBaseDelayMs(20))
              .stateHandler(s -> {
                states.add(s);
                if (s instanceof ConnectionState.Failed failed) {
                  ctx.verify(() -> {
                    assertTrue(failed.reason().contains("401"), failed.reason());
                    assertTrue(failed.reason().contains("bad token"), failed.reason());
                  });
                  // a retry would come within ~25 ms; wait far longer, then count requests
                  vertx.setTimer(1500, t -> {
                    ctx.verify(() -> {
                      assertEquals(1, server.hits.size(), "requests made");
                      assertEquals(1, states.stream().filter(x -> x instanceof ConnectionState.Failed).count());
                      assertTrue(states.stream().noneMatch(x -> x instanceof ConnectionState.Reconnecting));
                    });
                    ctx.completeNow();
                  });
                }
              })
              .start();
        }));
  }

  @Test
  void serviceUnavailableWithRetryAfterDelaysTheNextAttempt(Vertx vertx, VertxTestContext ctx) {
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        req.response().putHeader("Retry-After", "1");
        error(req, 503, "overloaded", "try later");
      } else {
        stream(req).write(hello("node1", "node1:1", 10_000));
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url()).setBaseDelayMs(20))
          .stateHandler(s -> {
            if (s instanceof ConnectionState.Reconnecting r) {
              ctx.verify(() -> assertTrue(r.reason().contains("503") && r.reason().contains("try later"), r.reason()));
            }
            if (s instanceof ConnectionState.Connected) {
              long elapsed = ms(server.hits.get(0).atNanos(), server.hits.get(1).atNanos());
              System.out.println("Retry-After 1: next attempt " + elapsed + " ms after the first");
              ctx.verify(() -> assertTrue(elapsed >= 1000 && elapsed <= 1250 + MARGIN_MS, "elapsed " + elapsed));
              ctx.completeNow();
            }
          })
          .start();
    }));
  }

  @Test
  void aRefusedEventIsAFailedAttemptThatWaitsTheGatewaysDelayAndKeepsTheLastEventId(Vertx vertx,
                                                                                   VertxTestContext ctx) {
    List<ConnectionState> states = new CopyOnWriteArrayList<>();
    List<SseEvent> events = new CopyOnWriteArrayList<>();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        stream(req).end(hello("node1", "node1:1", 10_000));
      } else if (i == 1) {
        // what the gateway answers a client that accepts text/event-stream when it is full
        stream(req).end("retry: 1200\n\n" + frame("refused", null,
            "{\"error\":\"too_many_streams\",\"message\":\"full\",\"retry_ms\":1200}"));
      } else {
        ctx.verify(() -> assertEquals("node1:1", req.getHeader("Last-Event-ID")));
        stream(req).write(hello("node1", "node1:1", 10_000));
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url()).setBaseDelayMs(20))
          .handler(events::add)
          .stateHandler(s -> {
            states.add(s);
            if (s instanceof ConnectionState.Connected && server.hits.size() == 3) {
              long elapsed = ms(server.hits.get(1).atNanos(), server.hits.get(2).atNanos());
              ctx.verify(() -> {
                assertTrue(elapsed >= 1200 && elapsed <= 1500 + MARGIN_MS, "elapsed " + elapsed);
                assertEquals(2, states.stream().filter(x -> x instanceof ConnectionState.Connected).count(),
                    "the refused attempt never counted as connected: " + states);
                ConnectionState.Reconnecting refused = (ConnectionState.Reconnecting) states.get(states.size() - 3);
                assertTrue(refused.reason().contains("too_many_streams"), refused.reason());
                assertEquals(2, refused.attempt(), "the refusal did not reset the backoff: " + states);
                assertTrue(events.isEmpty(), "the refusal is not delivered as an event: " + events);
              });
              ctx.completeNow();
            }
          })
          .start();
    }));
  }

  @Test
  void reconnectAfterServerClosesResumesFromTheLastEventAndSurfacesLoss(Vertx vertx, VertxTestContext ctx) {
    List<SseEvent> events = new CopyOnWriteArrayList<>();
    AtomicLong closedAt = new AtomicLong();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        StringBuilder b = new StringBuilder(hello("node1", "node1:0", 10_000)).append(heartbeat(10_000));
        for (int n = 1; n <= 5; n++) {
          b.append(frame("tick", String.valueOf(n), "{\"n\":" + n + "}"));
        }
        stream(req).end(b.toString()).onComplete(ar -> closedAt.set(System.nanoTime()));
      } else if (i == 1) {
        System.out.println("resume: reconnect " + ms(closedAt.get(), System.nanoTime()) + " ms after the server closed");
        ctx.verify(() -> assertEquals("5", req.getHeader("Last-Event-ID")));
        stream(req).write(hello("node1", "5", 10_000)
            + frame("reset", "node1:9", "{\"reason\":\"history\",\"lost_from\":\"5\"}")
            + frame("dropped", "node1:10", "{\"id\":\"node1:a\",\"reason\":\"too_large\"}"));
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url()))
          .handler(e -> {
            events.add(e);
            if (events.size() == 7) {
              ctx.verify(() -> {
                for (int n = 1; n <= 5; n++) {
                  assertEquals(new SseEvent("tick", String.valueOf(n), "{\"n\":" + n + "}"), events.get(n - 1));
                }
                assertEquals("reset", events.get(5).type());
                assertTrue(events.get(5).isLoss());
                assertEquals(new SseEvent("dropped", "node1:10", "{\"id\":\"node1:a\",\"reason\":\"too_large\"}"),
                    events.get(6));
                assertEquals("node1:10", client.lastEventId());
                assertEquals(2, server.hits.size());
              });
              ctx.completeNow();
            }
          })
          .start();
    }));
  }

  @Test
  void lastEventIdOptionIsSentOnTheFirstRequestAndControlEventsAreOptIn(Vertx vertx, VertxTestContext ctx) {
    TestSseServer.start(vertx, (i, req) -> {
      ctx.verify(() -> assertEquals("node1:7", req.getHeader("Last-Event-ID")));
      ctx.verify(() -> assertEquals("Bearer t", req.getHeader("Authorization")));
      ctx.verify(() -> assertTrue(req.uri().endsWith("/events?topic=demo&topic=a%2Fb"), req.uri()));
      stream(req).write(hello("node1", "node1:7", 10_000) + heartbeat(10_000) + frame("tick", "node1:8", "x"));
    }).onComplete(ctx.succeeding(server -> {
      List<String> types = new CopyOnWriteArrayList<>();
      client = SseClient.create(vertx, options(server.url()).addTopic("a/b").setLastEventId("node1:7")
              .putHeader("Authorization", "Bearer t").setDeliverControlEvents(true))
          .handler(e -> {
            types.add(e.type());
            if (types.size() == 3) {
              ctx.verify(() -> assertEquals(List.of("hello", "heartbeat", "tick"), types));
              ctx.completeNow();
            }
          })
          .start();
    }));
  }

  @Test
  void failedAttemptMovesToTheNextUrl(Vertx vertx, VertxTestContext ctx) {
    List<ConnectionState> states = new CopyOnWriteArrayList<>();
    TestSseServer.closedPort(vertx).onComplete(ctx.succeeding(port -> {
      String refused = "http://127.0.0.1:" + port;
      TestSseServer.start(vertx, (i, req) -> stream(req).write(hello("node2", "node2:1", 10_000)))
          .onComplete(ctx.succeeding(server -> {
            client = SseClient.create(vertx, options(refused, server.url()))
                .stateHandler(s -> {
                  states.add(s);
                  if (s instanceof ConnectionState.Connected c) {
                    ctx.verify(() -> {
                      assertEquals(server.url(), c.url());
                      assertEquals("node2", c.node());
                      assertEquals(new ConnectionState.Connecting(refused, null), states.get(0));
                      ConnectionState.Reconnecting r = (ConnectionState.Reconnecting) states.get(1);
                      assertEquals(1, r.attempt());
                      assertTrue(r.reason().contains(refused), r.reason());
                      assertEquals(new ConnectionState.Connecting(server.url(), null), states.get(2));
                    });
                    ctx.completeNow();
                  }
                })
                .start();
          }));
    }));
  }

  @Test
  void wrongContentTypeAndServerErrorsAreRetried(Vertx vertx, VertxTestContext ctx) {
    List<String> reasons = new CopyOnWriteArrayList<>();
    TestSseServer.start(vertx, (i, req) -> {
      if (i == 0) {
        req.response().putHeader("Content-Type", "text/html").end("<html>proxy login</html>");
      } else if (i == 1) {
        error(req, 500, "internal", "boom");
      } else if (i == 2) {
        // a line longer than maxLineBytes: malformed
        stream(req).write("data: " + "x".repeat(5000) + "\n\n");
      } else {
        stream(req).write(hello("node1", "node1:1", 10_000));
      }
    }).onComplete(ctx.succeeding(server -> {
      client = SseClient.create(vertx, options(server.url()).setBaseDelayMs(20).setMaxLineBytes(1024))
          .stateHandler(s -> {
            if (s instanceof ConnectionState.Reconnecting r) {
              reasons.add(r.reason());
            } else if (s instanceof ConnectionState.Connected) {
              ctx.verify(() -> {
                assertEquals(3, reasons.size(), reasons.toString());
                assertTrue(reasons.get(0).contains("content type"), reasons.get(0));
                assertTrue(reasons.get(1).contains("HTTP 500") && reasons.get(1).contains("boom"), reasons.get(1));
                assertTrue(reasons.get(2).contains("malformed"), reasons.get(2));
              });
              ctx.completeNow();
            }
          })
          .start();
    }));
  }

  @Test
  void slowHandlerPausesTheResponseAndTheQueueStaysBounded(Vertx vertx, VertxTestContext ctx) {
    int total = 10_000;
    int bound = 64;
    String payload = "p".repeat(1000);
    AtomicInteger serverWaits = new AtomicInteger();
    TestSseServer.start(vertx, (i, req) -> {
      var resp = stream(req);
      resp.write(hello("node1", "node1:0", 10_000));
      int[] next = {1};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (next[0] <= total && !resp.writeQueueFull()) {
          resp.write(frame("tick", String.valueOf(next[0]), next[0] + ":" + payload));
          next[0]++;
        }
        if (next[0] <= total) {
          serverWaits.incrementAndGet();
          resp.drainHandler(v -> pump[0].run());
        }
      };
      pump[0].run();
    }).onComplete(ctx.succeeding(server -> {
      Context context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        AtomicInteger received = new AtomicInteger();
        AtomicInteger maxQueued = new AtomicInteger();
        AtomicInteger pausedSamples = new AtomicInteger();
        long sampler = vertx.setPeriodic(5, id -> {
          maxQueued.accumulateAndGet(client.queuedEvents(), Math::max);
          if (client.backpressured()) {
            pausedSamples.incrementAndGet();
          }
        });
        client = SseClient.create(vertx, options(server.url()).setMaxQueuedEvents(bound));
        client.handler(e -> {
          int n = received.incrementAndGet();
          maxQueued.accumulateAndGet(client.queuedEvents(), Math::max);
          ctx.verify(() -> assertEquals(String.valueOf(n), e.id(), "order"));
          if (n % 2000 == 0) {
            // the application falls behind for a while
            client.pause();
            vertx.setTimer(200, t -> client.resume());
          }
          if (n == total) {
            vertx.cancelTimer(sampler);
            System.out.println("backpressure: max queued " + maxQueued.get() + " (bound " + bound + "), paused samples "
                + pausedSamples.get() + ", server write-queue-full waits " + serverWaits.get());
            ctx.verify(() -> {
              assertTrue(maxQueued.get() <= bound, "queue exceeded its bound: " + maxQueued.get());
              assertTrue(pausedSamples.get() > 0, "the response was never paused");
              assertEquals(1, server.hits.size(), "no reconnect while paused");
            });
            ctx.completeNow();
          }
        });
        client.pause().start();
        vertx.setTimer(500, t -> client.resume());
      });
    }));
  }

  @Test
  void applicationPausedLongerThanTheStallTimeoutIsNotTakenForAStall(Vertx vertx, VertxTestContext ctx) {
    int total = 100;
    TestSseServer.start(vertx, (i, req) -> {
      var resp = stream(req);
      StringBuilder b = new StringBuilder(hello("node1", "node1:0", 1000));
      for (int n = 1; n <= total; n++) {
        b.append(frame("tick", String.valueOf(n), "x"));
      }
      resp.write(b.toString());
      long beat = vertx.setPeriodic(1000, id -> resp.write(heartbeat(1000)));
      resp.closeHandler(v -> vertx.cancelTimer(beat));
    }).onComplete(ctx.succeeding(server -> {
      AtomicInteger received = new AtomicInteger();
      client = SseClient.create(vertx, options(server.url()).setMaxQueuedEvents(10))
          .handler(e -> {
            if (received.incrementAndGet() == total) {
              ctx.verify(() -> assertEquals(1, server.hits.size(), "reconnected while the application was paused"));
              ctx.completeNow();
            }
          })
          .pause()
          .start();
      // once the queue is full and the response paused, paused 4 s more: no byte is read for > 2.5 x 1000 ms (a
      // fixed 4 s from the start would count a slow connect on a loaded machine as a pause that never came)
      dev.ssegateway.testsupport.Await.until(vertx, client::backpressured, 20_000, () -> "the response to be paused")
          .onComplete(ctx.succeeding(v -> vertx.setTimer(4000, t -> {
            ctx.verify(() -> assertTrue(client.backpressured(), "response should be paused"));
            client.resume();
          })));
    }));
  }

  @Test
  void closeEndsInClosedAndStopsReconnecting(Vertx vertx, VertxTestContext ctx) {
    TestSseServer.start(vertx, (i, req) -> stream(req).end(hello("node1", "node1:1", 10_000)))
        .onComplete(ctx.succeeding(server -> {
          client = SseClient.create(vertx, options(server.url()).setBaseDelayMs(5_000))
              .stateHandler(s -> {
                if (s instanceof ConnectionState.Reconnecting) {
                  client.close().onComplete(ctx.succeeding(x -> ctx.verify(() -> {
                    assertEquals(new ConnectionState.Closed(), client.state());
                    assertEquals(1, server.hits.size());
                    ctx.completeNow();
                  })));
                }
              })
              .start();
        }));
  }
}
