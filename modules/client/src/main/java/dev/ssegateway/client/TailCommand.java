package dev.ssegateway.client;

import io.vertx.core.Vertx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code sse-client}: follows one or more topics of a gateway and prints one JSON line per event on stdout
 * ({@code {"type":..,"id":..,"data":..}}) and one line per state change on stderr. Exits 1 with the server's
 * reason when the client reaches FAILED (bad auth, unknown topic...), 2 on bad arguments.
 */
@Command(name = "sse-client", mixinStandardHelpOptions = true, version = "sse-client 0.1.0",
    description = "Tails topics of an sse-gateway: one JSON line per event on stdout, state changes on stderr.")
public final class TailCommand implements Callable<Integer> {

  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "URL", description = "Base URL of a gateway (several: round robin on failure).")
  List<String> urls = new ArrayList<>();

  @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to follow (repeatable).")
  List<String> topics = new ArrayList<>();

  @Option(names = "--last-event-id", paramLabel = "ID", description = "Resume after this id.")
  String lastEventId;

  @Option(names = "--header", paramLabel = "NAME:VALUE", description = "Request header, e.g. 'Authorization: Bearer x' (repeatable).")
  List<String> headers = new ArrayList<>();

  @Option(names = "--base-delay-ms", paramLabel = "MS", description = "First reconnect delay (default: ${DEFAULT-VALUE}).")
  long baseDelayMs = SseClientOptions.DEFAULT_BASE_DELAY_MS;

  @Option(names = "--max-delay-ms", paramLabel = "MS", description = "Reconnect delay cap (default: ${DEFAULT-VALUE}).")
  long maxDelayMs = SseClientOptions.DEFAULT_MAX_DELAY_MS;

  @Option(names = "--control-events", description = "Print hello and heartbeat events too.")
  boolean controlEvents;

  @Option(names = "--max-events", paramLabel = "N", description = "Exit 0 after N events (default: follow forever).")
  long maxEvents;

  public static void main(String[] args) {
    System.exit(new CommandLine(new TailCommand()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SseClientOptions options;
    try {
      options = options().validate();
    } catch (IllegalArgumentException e) {
      err.println("sse-client: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    Vertx vertx = Vertx.vertx();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    long[] count = {0};
    SseClient client = SseClient.create(vertx, options)
        .handler(event -> {
          out.println(event.toJson().encode());
          out.flush();
          if (maxEvents > 0 && ++count[0] >= maxEvents) {
            exit.complete(0);
          }
        })
        .stateHandler(state -> {
          err.println(Instant.now() + " " + state);
          err.flush();
          if (state instanceof ConnectionState.Failed failed) {
            err.println("sse-client: giving up: " + failed.reason());
            err.flush();
            exit.complete(EXIT_FAILED);
          }
        });
    Thread onSignal = new Thread(() -> {
      exit.complete(0);
      shutdown(client, vertx);
    }, "sse-client-shutdown");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      client.start();
      return exit.get();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it closes everything
      }
      shutdown(client, vertx);
    }
  }

  private SseClientOptions options() {
    SseClientOptions options = new SseClientOptions()
        .setUrls(urls)
        .setTopics(topics)
        .setLastEventId(lastEventId)
        .setBaseDelayMs(baseDelayMs)
        .setMaxDelayMs(maxDelayMs)
        .setDeliverControlEvents(controlEvents);
    for (String header : headers) {
      int sep = header.indexOf(':');
      if (sep <= 0) {
        throw new IllegalArgumentException("--header '" + header + "': expected NAME:VALUE");
      }
      options.putHeader(header.substring(0, sep).trim(), header.substring(sep + 1).trim());
    }
    return options;
  }

  private static void shutdown(SseClient client, Vertx vertx) {
    try {
      client.close().eventually(() -> vertx.close()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort on the way out
    }
  }
}
