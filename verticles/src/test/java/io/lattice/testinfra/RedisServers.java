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
 * started on first use and stopped (processes destroyed, directory deleted) when the JVM exits. Tests that harm a
 * server (kill, restart) get one of their own: {@link #privateCluster}, {@link #privateStandalone}.
 *
 * <p>Needs {@code redis-server} and {@code redis-cli} on the PATH (Debian: {@code apt-get install -y redis-server});
 * without them the tests fail with that message rather than being skipped.
 */
public final class RedisServers {

  private static final long START_TIMEOUT_MS = 30_000;
  private static final long SHARED_NODE_TIMEOUT_MS = 5_000;

  private static RedisTestServer standalone;
  private static RedisTestCluster cluster;
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
      standalone = new RedisTestServer();
    }
    return standalone.uri();
  }

  /** The cluster: the {@code redis://} URIs of its three masters. */
  public static synchronized List<String> cluster() {
    if (cluster == null) {
      cluster = new RedisTestCluster(SHARED_NODE_TIMEOUT_MS);
    }
    return cluster.masterUris();
  }

  /**
   * A cluster of the caller's own, for a test that harms it (kills a master); the caller closes it. Its node
   * timeout is the time before a silent master is failed over.
   */
  public static RedisTestCluster privateCluster(long nodeTimeoutMs) {
    return new RedisTestCluster(nodeTimeoutMs);
  }

  /** A standalone server of the caller's own, for a test that restarts it; the caller closes it. */
  public static RedisTestServer privateStandalone() {
    return new RedisTestServer();
  }

  static void requireInstalled() {
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

  /** Starts a server and waits until it answers PING; destroyed at JVM exit at the latest. */
  static Process start(Path dir, int port, List<String> extra) {
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
    return process;
  }

  private static void stopAll() {
    synchronized (PROCESSES) {
      PROCESSES.forEach(Process::destroy);
      PROCESSES.forEach(RedisServers::stop);
      DIRECTORIES.forEach(RedisServers::deleteTree);
    }
  }

  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
    }
  }

  static boolean ping(int port) {
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

  static String run(List<String> command, Path dir) {
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

  static void awaitCondition(String what, BooleanSupplier condition) {
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

  static Path tempDir(String prefix) {
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

  static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort at JVM exit
    }
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "(no log)";
    } catch (IOException e) {
      return "(unreadable log: " + e + ")";
    }
  }

  static int freePort() {
    return freePort(List.of());
  }

  /**
   * A port below 32768 (this machine's ephemeral range starts there) that nothing listens on, nor on port + 10000
   * (the cluster bus port), and not already taken by this run.
   */
  static int freePort(List<Integer> taken) {
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
