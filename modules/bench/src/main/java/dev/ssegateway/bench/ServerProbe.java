package dev.ssegateway.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server's resources from {@code /proc}: RSS (sum of VmRSS), PSS (smaps_rollup, which does not
 * count pages shared between nginx's master and workers twice) and CPU time, over the process and its
 * descendants; and for a JVM its heap after a full GC ({@code jcmd GC.run}, then {@code jstat -gc}).
 */
final class ServerProbe {

  private final List<Long> roots;

  /** The server's processes (several gateway nodes on one machine, say); their descendants count too. */
  ServerProbe(List<Long> roots) {
    this.roots = roots;
  }

  ServerProbe(long pid) {
    this(pid > 0 ? List.of(pid) : List.of());
  }

  private List<Long> pids() {
    List<Long> all = new ArrayList<>();
    for (long pid : roots) {
      all.add(pid);
      ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> all.add(d.pid())));
    }
    return all;
  }

  /** Sum of a {@code kB} field over the processes, from {@code /proc/<pid>/<file>}. */
  private long sumKb(String file, String field) {
    long kb = 0;
    for (long p : pids()) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + p + "/" + file))) {
          if (line.startsWith(field + ":")) {
            kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process is gone
      }
    }
    return kb;
  }

  long rssKb() {
    return sumKb("status", "VmRSS");
  }

  long pssKb() {
    return sumKb("smaps_rollup", "Pss");
  }

  /** Open files of the processes ({@code /proc/<pid>/fd}): each held stream's connection is one. */
  long openFiles() {
    long n = 0;
    for (long p : pids()) {
      try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/" + p + "/fd"))) {
        n += fds.count();
      } catch (IOException | RuntimeException e) {
        // the process is gone
      }
    }
    return n;
  }

  /** utime + stime of the processes, in ms. */
  long cpuMs() {
    long[] us = userSysMs();
    return us[0] + us[1];
  }

  /** {utime, stime} of the processes, in ms: CPU spent in the process's own code and in the kernel for it. */
  long[] userSysMs() {
    long user = 0;
    long sys = 0;
    for (long p : pids()) {
      try {
        String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        user += Long.parseLong(f[11]);
        sys += Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        // the process is gone
      }
    }
    return new long[] {user * 10, sys * 10}; // USER_HZ is 100 on Linux
  }

  /** Busy and total jiffies of the whole machine ({@code /proc/stat}), for "is the box saturated". */
  static long[] machineJiffies() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 1};
    }
  }

  /** Heap in use after a full GC, in kB, summed over the server's JVMs, or -1 when one cannot be read. */
  long heapAfterGcKb() {
    long sum = 0;
    for (long pid : roots) {
      long kb = heapAfterGcKb(pid);
      if (kb < 0) {
        return -1;
      }
      sum += kb;
    }
    return roots.isEmpty() ? -1 : sum;
  }

  private static long heapAfterGcKb(long pid) {
    try {
      run("jcmd", String.valueOf(pid), "GC.run");
      String out = run("jstat", "-gc", String.valueOf(pid));
      String[] lines = out.trim().split("\n");
      String[] head = lines[0].trim().split("\\s+");
      String[] vals = lines[lines.length - 1].trim().split("\\s+");
      double used = 0;
      for (int i = 0; i < head.length; i++) {
        if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
          used += Double.parseDouble(vals[i]);
        }
      }
      return Math.round(used);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The first {@code top} lines of {@code jcmd GC.class_histogram} (live objects) of the first JVM, or none. */
  List<String> classHistogram(int top) {
    if (roots.isEmpty()) {
      return List.of();
    }
    long pid = roots.get(0);
    try {
      String[] lines = run("jcmd", String.valueOf(pid), "GC.class_histogram").split("\n");
      List<String> out = new ArrayList<>();
      for (int i = 0; i < lines.length && out.size() < top + 3; i++) {
        out.add(lines[i]);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  JsonObject memory(boolean jvm) {
    JsonObject m = new JsonObject().put("rssKb", rssKb()).put("pssKb", pssKb());
    if (jvm) {
      m.put("heapAfterGcKb", heapAfterGcKb());
      m.put("rssAfterGcKb", rssKb());
    }
    return m;
  }

  private static String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      p.destroyForcibly();
    }
  }
}
