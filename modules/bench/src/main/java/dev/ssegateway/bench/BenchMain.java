package dev.ssegateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of {@code sse-bench.jar}; {@code modules/bench/run.sh} is the documented way to use it.
 *
 * <pre>
 * raw-server [--host H] [--port P] [--instances N] [--heartbeat-ms MS]      the raw SSE ceiling server
 * scenario NAME --target gateway|nchan|raw --port P --pid PID --out FILE [--label L] [--streams N]
 *          [--rate R] [--warmup S] [--duration S] [--procs K] [--hold S] [--step S] ...
 * silent --port P --pid PID --count N [--slowloris true] [--hold S]         connections that never send a request
 * table FILE...                                                             Markdown tables with ratios
 * charts DIR FILE...                                                        PNG charts of the same files into DIR
 * receiver ...                                                              (child process, internal)
 * </pre>
 */
public final class BenchMain {

  private BenchMain() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: raw-server | scenario NAME ... | table FILE... (see modules/bench/run.sh)");
      System.exit(2);
    }
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "receiver" -> ReceiverProcess.main(rest);
      case "raw-server" -> {
        Map<String, String> o = options(rest, 0);
        Vertx vertx = Vertx.vertx();
        int port = RawSseServer.deploy(vertx, o.getOrDefault("host", "127.0.0.1"),
            Integer.parseInt(o.getOrDefault("port", "18082")), Integer.parseInt(o.getOrDefault("instances", "2")),
            Long.parseLong(o.getOrDefault("heartbeat-ms", "10000"))).await();
        System.err.println("raw SSE server listening on port " + port);
      }
      case "scenario" -> {
        Map<String, String> o = options(rest, 1);
        Target target = Target.parse(o.remove("target"), o.getOrDefault("host", "127.0.0.1"), o.remove("port"),
            o.getOrDefault("pid", "0"));
        o.remove("host");
        o.remove("pid");
        String out = o.remove("out");
        o.putIfAbsent("label", rest[0]);
        Vertx vertx = Vertx.vertx();
        int code = 0;
        try {
          JsonObject r = new ScenarioDriver(vertx, target, o).run(rest[0]);
          Files.writeString(Path.of(out), r.encodePrettily());
          System.err.println(ResultTable.render(List.of(Path.of(out))));
        } catch (Exception e) {
          e.printStackTrace();
          code = 1;
        } finally {
          vertx.close().await();
        }
        System.exit(code);
      }
      case "silent" -> {
        Map<String, String> o = options(rest, 0);
        Vertx vertx = Vertx.vertx();
        try {
          SilentConnections.run(vertx, Integer.parseInt(o.get("port")), Long.parseLong(o.get("pid")),
              Integer.parseInt(o.getOrDefault("count", "15000")), "true".equals(o.get("slowloris")),
              Integer.parseInt(o.getOrDefault("hold", "60")));
        } finally {
          vertx.close().await();
        }
      }
      case "table" -> {
        List<Path> files = new ArrayList<>();
        for (String f : rest) {
          files.add(Path.of(f));
        }
        System.out.print(ResultTable.render(files));
      }
      case "charts" -> {
        List<Path> files = new ArrayList<>();
        for (int i = 1; i < rest.length; i++) {
          files.add(Path.of(rest[i]));
        }
        System.setProperty("java.awt.headless", "true");
        for (Path written : ChartWriter.write(Path.of(rest[0]), files).keySet()) {
          System.out.println("chart: " + written);
        }
      }
      default -> {
        System.err.println("unknown command " + args[0]);
        System.exit(2);
      }
    }
  }

  /** {@code --key value} pairs after {@code skip} positional arguments. */
  private static Map<String, String> options(String[] a, int skip) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = skip; i + 1 < a.length; i += 2) {
      if (!a[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --key value at " + a[i]);
      }
      o.put(a[i].substring(2), a[i + 1]);
    }
    return o;
  }
}
