package io.lattice.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Real Apache Cassandra 5.0 nodes for tests, each a separate JVM on loopback, run from the jars the
 * {@code cassandra-lib} module copies into {@code cassandra-lib/target/lib} (never the tests' own classpath).
 *
 * <p>One cluster per test JVM, started lazily and shared by every test class: {@link #cluster(int)} makes sure at
 * least that many nodes run. Node i (1..3) listens on 127.0.0.i and is the only node of its datacenter
 * ({@link #DATACENTERS}: us-east, eu-west, ap-northeast; GossipingPropertyFileSnitch). Node 1 is the seed; the
 * others are started one at a time after it (starting them together fails with "Unable to gossip with any peers").
 * All nodes share the storage and native transport port numbers, picked free below 32768. Data lives in a temp
 * directory deleted at JVM exit, when a shutdown hook stops the nodes.
 */
public final class CassandraNodes {

  public static final List<String> DATACENTERS = List.of("us-east", "eu-west", "ap-northeast");
  private static final String[] TOKENS = {"-9223372036854775808", "-3074457345618258603", "3074457345618258602"};
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  private static CassandraNodes instance;

  private final Path lib;
  private final Path root;
  private final int storagePort;
  private final int nativePort;
  private final List<Process> processes = new ArrayList<>();
  private final boolean temporary;

  private CassandraNodes(Path lib, Path root, int storagePort, int nativePort, boolean temporary) {
    this.lib = lib;
    this.root = root;
    this.storagePort = storagePort;
    this.nativePort = nativePort;
    this.temporary = temporary;
  }

  /**
   * A cluster of its own (not the tests' shared one) on fixed ports with its data kept in {@code root} across
   * starts: what {@code ./lattice infra up} runs for {@code conf/prod-local}. Start nodes with {@link #startNodes},
   * stop them with {@link #stop}.
   */
  public static CassandraNodes persistent(Path lib, Path root, int storagePort, int nativePort) {
    requireLib(lib);
    return new CassandraNodes(lib.toAbsolutePath().normalize(), root.toAbsolutePath().normalize(), storagePort,
        nativePort, false);
  }

  /** Starts nodes, one at a time, until {@code nodes} (1 to 3) run. */
  public synchronized void startNodes(int nodes) {
    while (processes.size() < nodes) {
      start(processes.size() + 1);
    }
  }

  /** Stops every node (SIGTERM, then forcibly after 20 s); a temporary cluster's data is deleted. */
  public void stop() {
    stopAll();
  }

  private static void requireLib(Path lib) {
    if (!Files.isRegularFile(lib.resolve("jamm-0.4.0.jar"))) {
      throw new IllegalStateException("no Cassandra jars in " + lib
          + ": run `mvn -pl verticles/cassandra-lib generate-resources` (or build from the root) first");
    }
  }

  /** The shared cluster with at least {@code nodes} nodes (1 to 3) running. */
  public static synchronized CassandraNodes cluster(int nodes) {
    if (nodes < 1 || nodes > DATACENTERS.size()) {
      throw new IllegalArgumentException("1 to 3 nodes");
    }
    if (instance == null) {
      Path lib = Paths.get(System.getProperty("lattice.cassandra.lib", "cassandra-lib/target/lib"))
          .toAbsolutePath().normalize();
      requireLib(lib);
      try {
        Path root = Files.createTempDirectory("lattice-cassandra-");
        int[] ports = freePorts(2);
        instance = new CassandraNodes(lib, root, ports[0], ports[1], true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      CassandraNodes created = instance;
      Runtime.getRuntime().addShutdownHook(new Thread(created::stopAll, "cassandra-nodes-stop"));
    }
    while (instance.processes.size() < nodes) {
      instance.start(instance.processes.size() + 1);
    }
    return instance;
  }

  /** "127.0.0.i:port" of node i (1-based), for the driver's contact points. */
  public String contactPoint(int node) {
    return host(node) + ":" + nativePort;
  }

  public static String datacenter(int node) {
    return DATACENTERS.get(node - 1);
  }

  private static String host(int node) {
    return "127.0.0." + node;
  }

  private void start(int node) {
    long began = System.nanoTime();
    try {
      Path dir = root.resolve("node" + node);
      Path conf = Files.createDirectories(dir.resolve("conf"));
      Files.writeString(conf.resolve("cassandra.yaml"), yaml(node, dir));
      Files.writeString(conf.resolve("cassandra-rackdc.properties"),
          "dc=" + datacenter(node) + "\nrack=rack1\nprefer_local=true\n");
      Files.writeString(conf.resolve("logback.xml"), """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} %msg%n</pattern></encoder>
            </appender>
            <root level="INFO"><appender-ref ref="OUT"/></root>
          </configuration>
          """);
      Path log = dir.resolve("system.log");
      List<String> command = new ArrayList<>(List.of(
          Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms384m", "-Xmx384m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-XX:ActiveProcessorCount=2", "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath=" + dir,
          "-javaagent:" + lib.resolve("jamm-0.4.0.jar"),
          "-Dcassandra.config=" + conf.resolve("cassandra.yaml").toUri(),
          "-Dcassandra-rackdc.properties=" + conf.resolve("cassandra-rackdc.properties").toUri(),
          "-Dlogback.configurationFile=" + conf.resolve("logback.xml"),
          "-Dcassandra-foreground=yes", "-Dcassandra.skip_wait_for_gossip_to_settle=0",
          "-Dcassandra.ring_delay_ms=1000", "-Dcassandra.logdir=" + dir, "-Dcassandra.storagedir=" + dir,
          "-Djava.net.preferIPv4Stack=true",
          // Schema changes without fsync of the system tables: test-only (what ccm and the dtests use).
          "-Dcassandra.unsafesystem=true"));
      command.addAll(JDK17_OPTIONS);
      command.addAll(List.of("-cp", conf + java.io.File.pathSeparator + lib + "/*",
          "org.apache.cassandra.service.CassandraDaemon"));
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      processes.add(process);
      awaitLine(process, log, "Startup complete");
      System.out.printf("Cassandra node %d (%s, %s) started in %d ms%n", node, datacenter(node), contactPoint(node),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls the node's log (every 100 ms) until the line appears; fails if the process exits or on timeout. */
  private static void awaitLine(Process process, Path log, String line) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (text.contains(line)) {
        return;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        String tail = text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        throw new IllegalStateException((process.isAlive() ? "timed out" : "exited") + " waiting for `" + line
            + "` in " + log + "\n" + tail);
      }
      LockSupport.parkNanos(100_000_000L);
    }
  }

  private String yaml(int node, Path dir) {
    String d = dir.toString();
    return """
        cluster_name: lattice-test
        num_tokens: 1
        initial_token: %s
        allocate_tokens_for_local_replication_factor: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        auto_bootstrap: false
        data_file_directories: [%s/data]
        commitlog_directory: %s/commitlog
        saved_caches_directory: %s/saved_caches
        hints_directory: %s/hints
        cdc_raw_directory: %s/cdc_raw
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        commitlog_segment_size: 8MiB
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:%d"
        listen_address: %s
        rpc_address: %s
        storage_port: %d
        native_transport_port: %d
        start_native_transport: true
        endpoint_snitch: GossipingPropertyFileSnitch
        authenticator: AllowAllAuthenticator
        authorizer: AllowAllAuthorizer
        concurrent_reads: 8
        concurrent_writes: 8
        concurrent_counter_writes: 4
        concurrent_compactors: 1
        memtable_heap_space: 64MiB
        memtable_offheap_space: 64MiB
        key_cache_size: 8MiB
        counter_cache_size: 0MiB
        prepared_statements_cache_size: 8MiB
        read_request_timeout: 10000ms
        range_request_timeout: 10000ms
        write_request_timeout: 10000ms
        cas_contention_timeout: 5000ms
        request_timeout: 15000ms
        hinted_handoff_enabled: true
        dynamic_snitch: false
        auto_snapshot: false
        """.formatted(TOKENS[node - 1], d, d, d, d, d, storagePort, host(node), host(node), storagePort,
        nativePort);
  }

  private synchronized void stopAll() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
    if (!temporary) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }

  /** Ports below 32768 (the ephemeral range starts there) free on 127.0.0.1, .2 and .3. */
  private static int[] freePorts(int count) {
    Random random = new Random();
    int[] ports = new int[count];
    int found = 0;
    while (found < count) {
      int port = 10_000 + random.nextInt(22_000);
      boolean free = true;
      for (int node = 1; node <= DATACENTERS.size() && free; node++) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(InetAddress.getByName(host(node)), port));
        } catch (IOException e) {
          free = false;
        }
      }
      for (int i = 0; i < found; i++) {
        free &= ports[i] != port;
      }
      if (free) {
        ports[found++] = port;
      }
    }
    return ports;
  }

  /** The JPMS flags of apache/cassandra conf/jvm17-server.options (5.0), plus its Netty properties. */
  private static final List<String> JDK17_OPTIONS = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11");
}
