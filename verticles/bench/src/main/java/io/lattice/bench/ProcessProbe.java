package io.lattice.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Figures of a server process running on this host, which the server's /metrics does not carry (no JVM or process
 * meters there yet): the pid is the process listening on the target's port (from /proc/net/tcp and /proc/PID/fd),
 * RSS and threads from /proc/PID/status, CPU from /proc/PID/stat, heap from {@code jcmd PID GC.heap_info} (after
 * {@code GC.run} when asked). Linux only; every method answers empty when it cannot tell.
 */
final class ProcessProbe {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private final long pid;
  private long lastCpuTicks = -1;
  private long lastNanos;

  private ProcessProbe(long pid) {
    this.pid = pid;
  }

  long pid() {
    return pid;
  }

  /** The probe of the local process listening on the URL's port, or null (not local, not Linux, not found). */
  static ProcessProbe of(String url) {
    try {
      URI uri = URI.create(url);
      String host = uri.getHost();
      if (!(host.equals("localhost") || host.startsWith("127."))) {
        return null;
      }
      OptionalLong pid = listeningPid(uri.getPort());
      return pid.isPresent() ? new ProcessProbe(pid.getAsLong()) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  static OptionalLong listeningPid(int port) {
    String inode = null;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[3].equals("0A") && f[1].endsWith(":" + String.format("%04X", port))) {
            inode = f[9];
            break;
          }
        }
      } catch (IOException | RuntimeException ignored) {
        // next table
      }
      if (inode != null) {
        break;
      }
    }
    if (inode == null) {
      return OptionalLong.empty();
    }
    String target = "socket:[" + inode + "]";
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
          if (fds.anyMatch(fd -> {
            try {
              return Files.readSymbolicLink(fd).toString().equals(target);
            } catch (IOException | RuntimeException e) {
              return false;
            }
          })) {
            return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException | RuntimeException ignored) {
          // not ours to read
        }
      }
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  /** rss_bytes, threads, cpu_cores (CPU time per wall time since the last call: 1.0 = one core busy). */
  Map<String, Double> sample() {
    Map<String, Double> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          out.put("host_process_rss_bytes", Double.parseDouble(line.replaceAll("\\D", "")) * 1024);
        } else if (line.startsWith("Threads:")) {
          out.put("host_process_threads", Double.parseDouble(line.replaceAll("\\D", "")));
        }
      }
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      long now = System.nanoTime();
      if (lastCpuTicks >= 0 && now > lastNanos) {
        out.put("host_process_cpu_cores", (ticks - lastCpuTicks) / (double) TICKS_PER_SECOND / ((now - lastNanos) / 1e9));
      }
      lastCpuTicks = ticks;
      lastNanos = now;
    } catch (IOException | RuntimeException ignored) {
      // the process is gone, or not Linux
    }
    return out;
  }

  /** Used heap in bytes from jcmd (after a full GC when {@code gcFirst}), or -1. */
  long heapUsed(boolean gcFirst) {
    if (gcFirst) {
      jcmd("GC.run");
    }
    String out = jcmd("GC.heap_info");
    if (out == null) {
      return -1;
    }
    // G1: " garbage-first heap   total 262144K, used 123456K [...]"; others: "total ...K, used ...K" per space.
    Matcher m = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K").matcher(out);
    if (m.find()) {
      return Long.parseLong(m.group(1)) * 1024;
    }
    long sum = 0;
    Matcher any = Pattern.compile("total \\d+K, used (\\d+)K").matcher(out);
    boolean found = false;
    while (any.find()) {
      sum += Long.parseLong(any.group(1)) * 1024;
      found = true;
    }
    return found ? sum : -1;
  }

  /**
   * Live objects per class after a full GC ({@code jcmd PID GC.class_histogram}): class name -> {instances, bytes};
   * the key {@code "Total"} holds the heap's live total. Empty when jcmd is not usable.
   */
  java.util.Map<String, long[]> classHistogram() {
    String out = jcmd("GC.class_histogram");
    java.util.Map<String, long[]> classes = new java.util.HashMap<>();
    if (out == null) {
      return classes;
    }
    // " 1:   44060   35556416  [Ljava.lang.Object; (java.base@17.0.15)" and "Total   1234   56789"
    Matcher row = Pattern.compile("(?m)^\\s*(?:\\d+:)?\\s*(?:(Total)|)\\s*(\\d+)\\s+(\\d+)\\s*(\\S+)?").matcher(out);
    while (row.find()) {
      String name = row.group(1) != null ? "Total" : row.group(4);
      if (name != null) {
        classes.merge(name, new long[] {Long.parseLong(row.group(2)), Long.parseLong(row.group(3))},
            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      }
    }
    return classes;
  }

  private String jcmd(String command) {
    try {
      Process p = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
