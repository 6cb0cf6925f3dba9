package io.lattice.testinfra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real Redis servers for tests, started once per test JVM as local {@code redis-server} processes on loopback, with
 * their data in a temporary directory: a standalone server, and a 6-node cluster (3 masters, 3 replicas). Each is
 * started on first use and stopped (processes destroyed, directory deleted) when the JVM exits.
 *
 * <p>Needs {@code redis-server} and {@code redis-cli} on the PATH (Debian: {@code apt-get install -y redis-server});
 * without them the tests fail with that message rather than being skipped.
 */
public final class RedisServers {

  private static final long START_TIMEOUT_MS = 30_000;

  private static Standalone standalone;
  private static Cluster cluster;
  /** What to stop and delete at JVM exit, in one hook: processes first, so none writes into a deleted directory. */
  private static final List<Process> PROCESSES = new ArrayList<>();
  private static final List<Path> DIRECTORIES = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(RedisServers::stopAll, "redis-servers-stop"));
  }

  private RedisServers() {
  }

  /** The standalone server: its {@code redis://} URI. */
  public static synchronized String standalone() {
    if (standalone == null) {
      standalone = new Standalone();
    }
    return standalone.uri;
  }

  /** The cluster: the {@code redis://} URIs of its three masters. */
  public static synchronized List<String> cluster() {
    if (cluster == null) {
      cluster = new Cluster();
    }
    return cluster.masterUris;
  }

  private static final class Standalone {
    final String uri;

    Standalone() {
      requireInstalled();
      Path dir = tempDir("redis-standalone-");
      int port = freePort();
      start(dir, port, List.of());
      uri = "redis://127.0.0.1:" + port;
    }
  }

  private static final class Cluster {
    final List<String> masterUris = new ArrayList<>();

    Cluster() {
      requireInstalled();
      Path root = tempDir("redis-cluster-");
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int port = freePort(ports);
        ports.add(port);
        Path dir = root.resolve("node-" + port);
        try {
          Files.createDirectories(dir);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        start(dir, port, List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "5000", "--repl-diskless-load", "on-empty-db"));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      ports.forEach(p -> create.add("127.0.0.1:" + p));
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      String out = run(create, root);
      if (!out.contains("All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
      }
      // Every node must agree the cluster is up, or the client may see a node still joining.
      awaitCondition("cluster_state:ok on every node", () -> ports.stream().allMatch(p ->
          run(List.of("redis-cli", "-p", String.valueOf(p), "cluster", "info"), root).contains("cluster_state:ok")));
      // The masters are the first three (redis-cli assigns replicas to the last ones).
      for (int p : ports) {
        String role = run(List.of("redis-cli", "-p", String.valueOf(p), "role"), root);
        if (role.startsWith("master")) {
          masterUris.add("redis://127.0.0.1:" + p);
        }
      }
      if (masterUris.size() != 3) {
        throw new IllegalStateException("expected 3 masters, found " + masterUris);
      }
      // Replicas must be in sync, so replica reads/failover tests (if any) see the data.
      awaitCondition("every replica linked to its master", () -> ports.stream().allMatch(p -> {
        String info = run(List.of("redis-cli", "-p", String.valueOf(p), "info", "replication"), root);
        return info.contains("role:master") || info.contains("master_link_status:up");
      }));
    }
  }

  private static void requireInstalled() {
    for (String binary : List.of("redis-server", "redis-cli")) {
      if (!onPath(binary)) {
        throw new IllegalStateException(binary + " is not installed (or not on the PATH): the Redis adapter tests "
            + "start real servers. Install it with: apt-get update && apt-get install -y redis-server");
      }
    }
  }

  private static boolean onPath(String binary) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, binary))) {
        return true;
      }
    }
    return false;
  }

  private static void start(Path dir, int port, List<String> extra) {
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
        "--daemonize", "no", "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString()));
    command.addAll(extra);
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server", e);
    }
    synchronized (PROCESSES) {
      PROCESSES.add(process);
    }
    awaitCondition("redis-server on port " + port + " accepting connections (log: " + dir + ")", () -> {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited: " + read(dir.resolve("redis.log")));
      }
      return ping(port);
    });
  }

  private static void stopAll() {
    synchronized (PROCESSES) {
      PROCESSES.forEach(Process::destroy);
      PROCESSES.forEach(RedisServers::stop);
      DIRECTORIES.forEach(RedisServers::deleteTree);
    }
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
    }
  }

  private static boolean ping(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[64];
      int n = socket.getInputStream().read(buf);
      return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static String run(List<String> command, Path dir) {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void awaitCondition(String what, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("timed out after " + START_TIMEOUT_MS + " ms waiting for " + what);
      }
      try {
        Thread.sleep(50); // polling an external process; the condition itself is the synchronisation
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static Path tempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      synchronized (PROCESSES) {
        DIRECTORIES.add(dir);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort at JVM exit
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "(no log)";
    } catch (IOException e) {
      return "(unreadable log: " + e + ")";
    }
  }

  private static int freePort() {
    return freePort(List.of());
  }

  /**
   * A port below 32768 (this machine's ephemeral range starts there) that nothing listens on, nor on port + 10000
   * (the cluster bus port), and not already taken by this run.
   */
  private static int freePort(List<Integer> taken) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(10_000, 22_000);
      if (!taken.contains(port) && !taken.contains(port + 10_000) && !taken.contains(port - 10_000)
          && bindable(port) && bindable(port + 10_000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port found below 32768");
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
