package io.lattice.testinfra;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./lattice infra up}: the real servers that {@code conf/prod-local/*.json} point the three regions at, as
 * child processes on loopback with their data under {@code data/prod-local} (kept across restarts), described by
 * {@code conf/prod-local/infra.json}: one Redis per region, a Cassandra cluster with one node per region's
 * datacenter (127.0.0.1, .2, .3), an S3-compatible store (S3Proxy, filesystem-backed) and one Kafka broker per region
 * with the per-region listeners the simulated WAN expects. The same classes start the same servers in the test
 * suite ({@code MeshProductionIT}).
 *
 * <p>Runs in the foreground until interrupted (Ctrl-C, or SIGTERM from {@code ./lattice infra down} through the pid
 * file), then stops everything: Kafka and Cassandra with their controlled shutdowns, Redis after an AOF flush.
 *
 * <p>Usage: {@code LocalInfra INFRA_JSON FAT_JAR CASSANDRA_LIB_DIR} with {@code -Dlattice.s3proxy.jar=...}.
 */
public final class LocalInfra {

  private final List<AutoCloseable> running = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: LocalInfra INFRA_JSON FAT_JAR CASSANDRA_LIB_DIR");
      System.exit(2);
    }
    JsonObject infra = new JsonObject(Files.readString(Path.of(args[0])));
    Path data = Path.of(infra.getString("dataDir", "data/prod-local")).toAbsolutePath();
    Files.createDirectories(data);
    Path pidFile = data.resolve("infra.pid");
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
    LocalInfra local = new LocalInfra();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      local.stopAll();
      try {
        Files.deleteIfExists(pidFile);
      } catch (IOException ignored) {
        // a stale pid file is checked before use
      }
      stopped.countDown();
    }, "local-infra-stop"));
    try {
      local.startAll(infra, data, Path.of(args[1]).toAbsolutePath(), Path.of(args[2]).toAbsolutePath());
    } catch (RuntimeException e) {
      System.err.println("infra failed to start: " + e.getMessage());
      System.exit(1);
    }
    System.out.println("\nLocal infrastructure is up (data in " + data + "). Now, in other terminals:\n"
        + "  ./lattice demo prod-local        (or ./lattice region --conf conf/prod-local/us-east.json, ...)\n"
        + "Stop with Ctrl-C here or ./lattice infra down.");
    stopped.await();
  }

  private void startAll(JsonObject infra, Path data, Path jar, Path cassandraLib) throws IOException {
    for (Object o : infra.getJsonArray("redis")) {
      JsonObject redis = (JsonObject) o;
      int port = redis.getInteger("port");
      running.add(startRedis(Files.createDirectories(data.resolve("redis-" + redis.getString("region"))), port));
      System.out.println("redis " + redis.getString("region") + ": redis://127.0.0.1:" + port);
    }
    JsonObject s3 = infra.getJsonObject("s3");
    S3Server s3Server = S3Server.start(s3.getInteger("port"), data.resolve("s3"), s3.getString("accessKeyId"),
        s3.getString("secretAccessKey"), true);
    running.add(s3Server);
    System.out.println("s3: " + s3Server.endpoint());
    JsonObject kafka = infra.getJsonObject("kafka");
    for (String region : kafka.fieldNames()) {
      KafkaBroker broker = KafkaBroker.start(data.resolve("kafka-" + region), kafka.getJsonObject(region), jar);
      running.add(broker);
      System.out.println("kafka " + region + ": " + broker.bootstrapServers());
    }
    JsonObject cassandra = infra.getJsonObject("cassandra");
    CassandraNodes nodes = CassandraNodes.persistent(cassandraLib, data.resolve("cassandra"),
        cassandra.getInteger("storagePort"), cassandra.getInteger("nativePort"));
    running.add(nodes::stop);
    nodes.startNodes(cassandra.getInteger("nodes", 3));
    for (int node = 1; node <= cassandra.getInteger("nodes", 3); node++) {
      System.out.println("cassandra " + CassandraNodes.datacenter(node) + ": " + nodes.contactPoint(node));
    }
  }

  /** Stops in reverse start order, so Kafka and Redis outlive nothing that depends on them. */
  private synchronized void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        System.err.println("stopping " + running.get(i) + ": " + e);
      }
    }
    running.clear();
  }

  /** redis-server with an append-only file, so sessions, receipts and presence survive an infra restart. */
  private static AutoCloseable startRedis(Path dir, int port) throws IOException {
    Process process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--dir", dir.toString(), "--appendonly", "yes", "--save", "", "--protected-mode", "no")
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!pong(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("redis-server on port " + port + " did not start; see "
            + dir.resolve("redis.log"));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling another process
    }
    return () -> {
      process.destroy(); // SIGTERM: redis flushes the AOF and exits
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    };
  }

  private static boolean pong(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.read(reply);
      return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
