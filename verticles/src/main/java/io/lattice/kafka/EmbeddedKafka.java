package io.lattice.kafka;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A single-node Kafka cluster inside this JVM: one KRaft process acting as broker and controller, listening on
 * 127.0.0.1, with its log (topics, committed offsets, cluster metadata) in one directory that it owns.
 *
 * <p>The broker is the same Kafka version as the kafka-clients jar that vertx-kafka-client brings (3.7.1), so the
 * region JVM has one Kafka on its classpath. The first start formats the directory with a new cluster id (written to
 * {@code meta.properties} there, as {@code kafka-storage format} does); later starts on the same directory find it
 * and reuse the log, so records and committed consumer offsets survive a restart.
 *
 * <p>Threading: {@link #start} and {@link #stop} return at once; formatting, starting and stopping the broker (seconds
 * of disk and thread work) run on a worker thread via {@code executeBlocking}, never on an event loop. The broker's own
 * threads are plain Kafka threads, not Vert.x ones.
 *
 * <p>One instance per directory: {@link #start} first takes an exclusive lock on {@value #LOCK_FILE} in the
 * directory and fails at once ("in use by another embedded broker") if this JVM or another process holds it. Kafka
 * 3.7 would detect the clash itself only after its controller had opened the metadata log a second time, and then
 * reports a NullPointerException from its own clean-up instead of the cause. The directory must hold nothing else
 * (every sub-directory is read as a topic partition): give it {@code <storage.dir>/kafka}, not the storage dir.
 *
 * <p>If the broker fails to start for another reason, the real cause is in the log of {@code kafka.server.BrokerServer}
 * ("Fatal error during broker startup"); the future may fail with that same NullPointerException.
 */
public final class EmbeddedKafka {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final int PORT_LOW = 20_000;
  private static final int PORT_HIGH = 32_000;
  static final String LOCK_FILE = ".lattice-broker.lock";

  private final Vertx vertx;
  private final Path dataDir;
  private final int brokerPort;
  private final int controllerPort;
  private final String clusterId;
  private final KafkaRaftServer server;
  private final FileChannel lock;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private Future<Void> stopped;

  private EmbeddedKafka(Vertx vertx, Path dataDir, int brokerPort, int controllerPort, String clusterId,
                        KafkaRaftServer server, FileChannel lock) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.clusterId = clusterId;
    this.server = server;
    this.lock = lock;
  }

  /** Starts a broker on {@code dataDir} with free broker and controller ports (below 32768). */
  public static Future<EmbeddedKafka> start(Vertx vertx, Path dataDir) {
    return start(vertx, dataDir, 0, 0, Map.of());
  }

  /**
   * Starts a broker on {@code dataDir}.
   *
   * @param brokerPort     the client (PLAINTEXT) port, or 0 for a free one below 32768
   * @param controllerPort the KRaft controller port, or 0 for a free one below 32768
   * @param overrides      broker properties that replace the defaults of {@link #brokerProperties} (e.g.
   *                       {@code log.retention.hours}); may be empty
   */
  public static Future<EmbeddedKafka> start(Vertx vertx, Path dataDir, int brokerPort, int controllerPort,
                                            Map<String, String> overrides) {
    Path dir = dataDir.toAbsolutePath();
    return vertx.executeBlocking(() -> startBlocking(vertx, dir, brokerPort, controllerPort, overrides), false);
  }

  /** {@code 127.0.0.1:<port>}, for the clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  public int brokerPort() {
    return brokerPort;
  }

  public int controllerPort() {
    return controllerPort;
  }

  /** The cluster id written in the directory at its first start; the same after every restart. */
  public String clusterId() {
    return clusterId;
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops the broker (a controlled shutdown: logs flushed, the directory unlocked) and completes when it is down.
   * Calling it again returns the same future.
   */
  public synchronized Future<Void> stop() {
    if (stopping.compareAndSet(false, true)) {
      stopped = vertx.executeBlocking(() -> {
        long begin = System.nanoTime();
        try {
          server.shutdown();
          server.awaitShutdown();
        } finally {
          lock.close();
        }
        LOG.info("Kafka broker {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - begin) / 1_000_000);
        return null;
      }, false);
    }
    return stopped;
  }

  /**
   * The broker's configuration: a combined broker+controller (node 1, sole voter) with every replication factor and
   * ISR at 1, few threads, a 2 MiB cleaner buffer instead of 128 MiB (the default takes that much heap at start),
   * a one-partition offsets topic (loaded quickly on restart), no automatic topic creation (topics are created with
   * their partition count by {@link KafkaTopics}). Public for the test infrastructure, which runs the same broker
   * as a separate {@code kafka.Kafka} process.
   */
  public static Map<String, String> brokerProperties(Path dataDir, int brokerPort, int controllerPort,
                                              Map<String, String> overrides) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dataDir.toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
    p.put("log.cleaner.threads", "1");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("background.threads", "2");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.putAll(overrides);
    return p;
  }

  private static EmbeddedKafka startBlocking(Vertx vertx, Path dir, int requestedBrokerPort,
                                             int requestedControllerPort, Map<String, String> overrides)
      throws IOException {
    long begin = System.nanoTime();
    Files.createDirectories(dir);
    FileChannel lock = lockDirectory(dir);
    try {
      return startLocked(vertx, dir, lock, requestedBrokerPort, requestedControllerPort, overrides, begin);
    } catch (IOException | RuntimeException | Error e) {
      lock.close();
      throw e;
    }
  }

  private static EmbeddedKafka startLocked(Vertx vertx, Path dir, FileChannel lock, int requestedBrokerPort,
                                           int requestedControllerPort, Map<String, String> overrides, long begin)
      throws IOException {
    int brokerPort = requestedBrokerPort > 0 ? requestedBrokerPort : freePort(-1);
    int controllerPort = requestedControllerPort > 0 ? requestedControllerPort : freePort(brokerPort);
    Map<String, String> props = brokerProperties(dir, brokerPort, controllerPort, overrides);
    String clusterId = formatIfNeeded(dir, props);
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException | Error e) {
      // Release what started (sockets, threads) before reporting the failure. No awaitShutdown(): after a failed
      // start Kafka 3.7's broker may never reach its SHUTDOWN state, and it would wait forever; shutdown() itself
      // stops the controller synchronously.
      try {
        server.shutdown();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    LOG.info("Kafka broker started on 127.0.0.1:{} (controller :{}, cluster {}, data {}) in {} ms", brokerPort,
        controllerPort, clusterId, dir, (System.nanoTime() - begin) / 1_000_000);
    return new EmbeddedKafka(vertx, dir, brokerPort, controllerPort, clusterId, server, lock);
  }

  /** The open channel whose exclusive lock marks {@code dir} as ours; closing it releases the lock. */
  private static FileChannel lockDirectory(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException("Kafka data directory " + dir
          + " is in use by another embedded broker (in this JVM or another process)");
    }
    return channel;
  }

  /**
   * Formats {@code dir} with a new cluster id unless it already holds one, and returns the cluster id. Uses Kafka's
   * own storage tool (the code behind {@code kafka-storage format}), which also writes the bootstrap metadata
   * (metadata.version) that the controller reads at its first start. Blocking (disk): never on an event loop.
   */
  public static String formatIfNeeded(Path dir, Map<String, String> props) throws IOException {
    Path meta = dir.resolve("meta.properties");
    if (Files.exists(meta)) {
      Properties existing = new Properties();
      try (InputStream in = Files.newInputStream(meta)) {
        existing.load(in);
      }
      String id = existing.getProperty("cluster.id");
      if (id == null) {
        throw new IllegalStateException(meta + " has no cluster.id: not a KRaft data directory");
      }
      return id;
    }
    String clusterId = Uuid.randomUuid().toString();
    Path config = Files.createTempFile("lattice-kafka-", ".properties");
    try {
      Properties properties = new Properties();
      properties.putAll(props);
      try (OutputStream out = Files.newOutputStream(config)) {
        properties.store(out, "lattice embedded Kafka, for formatting only");
      }
      int code = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString(),
          "--ignore-formatted"});
      if (code != 0) {
        throw new IllegalStateException("formatting " + dir + " for Kafka failed with exit code " + code);
      }
    } finally {
      Files.deleteIfExists(config);
    }
    LOG.info("Formatted {} for Kafka, cluster id {}", dir, clusterId);
    return clusterId;
  }

  /** A port below 32768 (outside the kernel's ephemeral range) that binds on 127.0.0.1 now. */
  private static int freePort(int exclude) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = PORT_LOW + random.nextInt(PORT_HIGH - PORT_LOW);
      if (port != exclude && canBind(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port in " + PORT_LOW + ".." + PORT_HIGH);
  }

  private static boolean canBind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
