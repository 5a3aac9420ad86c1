package dev.ssegateway.client;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.ssegateway.client.TestSseServer.error;
import static dev.ssegateway.client.TestSseServer.frame;
import static dev.ssegateway.client.TestSseServer.heartbeat;
import static dev.ssegateway.client.TestSseServer.hello;
import static dev.ssegateway.client.TestSseServer.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process, with its output captured, against scripted servers. */
class TailCommandTest {

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private record Run(int exit, String out, String err) {
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> new CommandLine(new TailCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args));
    return new Run(exit, out.toString(), err.toString());
  }

  private TestSseServer server(java.util.function.BiConsumer<Integer, io.vertx.core.http.HttpServerRequest> script)
      throws Exception {
    return TestSseServer.start(vertx, script).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void printsOneJsonLinePerEventAndStateChangesOnStderr() throws Exception {
    TestSseServer server = server((i, req) -> stream(req).write(hello("node1", "node1:7", 10_000)
        + heartbeat(10_000)
        + frame("tick", "node1:8", "{\"n\":8}")
        + frame("reset", "node1:9", "{\"reason\":\"history\"}")
        + frame(null, "node1:a", "two\nlines")));
    Run run = run(server.url(), "--topic", "demo", "--last-event-id", "node1:7",
        "--header", "Authorization: Bearer t", "--max-events", "3");
    assertEquals(0, run.exit(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals(3, lines.size(), run.out());
    assertEquals(new JsonObject().put("type", "tick").put("id", "node1:8").put("data", "{\"n\":8}"),
        new JsonObject(lines.get(0)));
    assertEquals("reset", new JsonObject(lines.get(1)).getString("type"));
    assertEquals(new JsonObject().put("type", "message").put("id", "node1:a").put("data", "two\nlines"),
        new JsonObject(lines.get(2)));
    assertTrue(run.err().contains("CONNECTED " + server.url() + " node=node1"), run.err());
    TestSseServer.Hit hit = server.hits.get(0);
    assertEquals("node1:7", hit.lastEventId());
    assertEquals("Bearer t", hit.headers().get("Authorization"));
    assertTrue(hit.uri().endsWith("/events?topic=demo"), hit.uri());
  }

  @Test
  void controlEventsOptionPrintsHelloAndHeartbeat() throws Exception {
    TestSseServer server = server((i, req) -> stream(req).write(hello("node1", "node1:1", 10_000) + heartbeat(10_000)));
    Run run = run(server.url(), "--topic", "demo", "--control-events", "--max-events", "2");
    assertEquals(0, run.exit(), run.err());
    List<String> types = run.out().lines().map(l -> new JsonObject(l).getString("type")).toList();
    assertEquals(List.of("hello", "heartbeat"), types);
  }

  @Test
  void reconnectsAreReportedOnStderr() throws Exception {
    TestSseServer server = server((i, req) -> {
      if (i == 0) {
        error(req, 500, "internal", "boom");
      } else {
        stream(req).write(hello("node1", "node1:1", 10_000) + frame("tick", "node1:2", "x"));
      }
    });
    Run run = run(server.url(), "--topic", "demo", "--base-delay-ms", "20", "--max-delay-ms", "100", "--max-events", "1");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.err().contains("RECONNECTING in "), run.err());
    assertTrue(run.err().contains("HTTP 500"), run.err());
  }

  @Test
  void exitsNonZeroWithTheServersReasonOnFailed() throws Exception {
    TestSseServer server = server((i, req) -> error(req, 403, "forbidden", "topic secret is not yours"));
    Run run = run(server.url(), "--topic", "secret");
    assertEquals(TailCommand.EXIT_FAILED, run.exit());
    assertTrue(run.err().contains("giving up: HTTP 403"), run.err());
    assertTrue(run.err().contains("topic secret is not yours"), run.err());
    assertEquals("", run.out());
    assertEquals(1, server.hits.size());
  }

  @Test
  void badArgumentsExitWithUsageCode() {
    assertEquals(TailCommand.EXIT_USAGE, run("http://127.0.0.1:1").exit(), "missing --topic");
    Run run = run("ftp://x", "--topic", "demo");
    assertEquals(TailCommand.EXIT_USAGE, run.exit());
    assertTrue(run.err().contains("urls"), run.err());
  }
}
