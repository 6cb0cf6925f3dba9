package io.lattice.testinfra;

import java.nio.file.Path;
import java.util.List;

/** A standalone {@code redis-server} process that a test may stop and start again on the same port. */
public final class RedisTestServer implements AutoCloseable {

  private final Path dir;
  private final int port;
  private Process process;

  RedisTestServer() {
    RedisServers.requireInstalled();
    dir = RedisServers.tempDir("redis-standalone-");
    port = RedisServers.freePort();
    process = RedisServers.start(dir, port, List.of());
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server ({@code SIGKILL}, as a crash would) and waits until it is gone. */
  public void kill() {
    process.destroyForcibly();
    RedisServers.awaitCondition("redis-server on port " + port + " gone", () -> !process.isAlive());
  }

  /** Starts the server again on the same port (empty: the tests run without persistence). */
  public void start() {
    process = RedisServers.start(dir, port, List.of());
  }

  @Override
  public void close() {
    RedisServers.stop(process);
  }
}
