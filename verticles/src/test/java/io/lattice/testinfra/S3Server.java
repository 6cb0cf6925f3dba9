package io.lattice.testinfra;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real S3-compatible server for tests: S3Proxy (org.gaul:s3proxy, its self-contained jar copied into
 * {@code target/s3proxy/} by the maven-dependency-plugin) run as a separate {@code java} process on loopback, with an
 * in-memory ("transient") store and SigV2/SigV4 authentication on, so presigned URLs are really checked.
 *
 * <p>The jar is found through the {@code lattice.s3proxy.jar} system property (set by Surefire), else at
 * {@code target/s3proxy/s3proxy.jar}. {@link #start} waits until the port answers HTTP, {@link #close} kills the
 * process it started (by its handle, nothing else).
 */
public final class S3Server implements AutoCloseable {

  public static final String ACCESS_KEY = "lattice-test-access";
  /** A throwaway secret made up for this local server; not a credential of anything real. */
  public static final String SECRET_KEY = "lattice-test-secret-0123456789";

  private final Process process;
  private final int port;
  private final Path log;

  private S3Server(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  public static S3Server start() throws IOException {
    Path dir = Files.createTempDirectory("s3proxy");
    return start(freePort(), dir, ACCESS_KEY, SECRET_KEY, false);
  }

  /**
   * An S3Proxy on a fixed port; with {@code persistent} its buckets are directories under {@code dir/blobs}
   * (jclouds' filesystem provider) and survive a restart, otherwise they live in memory (the tests' choice).
   */
  public static S3Server start(int port, Path dir, String accessKey, String secretKey, boolean persistent)
      throws IOException {
    Path jar = Path.of(System.getProperty("lattice.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no S3Proxy jar at " + jar.toAbsolutePath()
          + ": run the tests through Maven (process-test-resources copies it)");
    }
    Files.createDirectories(dir);
    Path properties = dir.resolve("s3proxy.properties");
    List<String> lines = new java.util.ArrayList<>(List.of(
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + accessKey,
        "s3proxy.credential=" + secretKey,
        "jclouds.identity=unused",
        "jclouds.credential=unused"));
    if (persistent) {
      lines.add("jclouds.provider=filesystem");
      lines.add("jclouds.filesystem.basedir=" + Files.createDirectories(dir.resolve("blobs")));
    } else {
      lines.add("jclouds.provider=transient");
    }
    lines.add("");
    Files.writeString(properties, String.join("\n", lines));
    Path log = dir.resolve("s3proxy.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar",
        jar.toAbsolutePath().toString(), "--properties", properties.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3Server server = new S3Server(process, port, log);
    try {
      server.awaitHttp(Duration.ofSeconds(60));
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Any HTTP answer (S3Proxy says 403 to an anonymous GET /) means it is serving. */
  private void awaitHttp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpURLConnection connection = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
        connection.setConnectTimeout(500);
        connection.setReadTimeout(2000);
        connection.getResponseCode();
        connection.disconnect();
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not answer within " + timeout + "; see " + log);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling a port, not synchronising threads
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
