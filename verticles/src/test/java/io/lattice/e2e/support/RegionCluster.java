package io.lattice.e2e.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One Lattice region made of N nodes, each the real fat jar in its own JVM process, clustered together over
 * Hazelcast on loopback and sharing one storage directory, exactly as in production but on free local ports.
 *
 * <pre>{@code
 * try (RegionCluster region = RegionCluster.builder().name("MyIT").nodes(2)
 *     .env("GATEWAY__HEARTBEAT_SECONDS", 1).start()) {
 *   TestClient alice = TestClient.connect(region, 0, "alice-1");
 *   ...
 *   region.kill(1);      // kill -9 the second node (and its children)
 *   region.restart(1);   // start it again on the same ports and wait until ready
 * }
 * }</pre>
 *
 * <p>Node indexes are 0-based; node {@code i} has id {@code "n" + (i + 1)}. Every node writes its stdout/stderr to
 * {@code verticles/target/e2e-logs/<name>-<nodeId>.log} (appended across restarts). The jar comes from the
 * {@code lattice.jar} system property (set by Failsafe), the working directory from {@code lattice.root}. A JVM
 * shutdown hook kills every node this class started, so an aborted run leaves no orphan JVM behind.
 */
public final class RegionCluster implements AutoCloseable {
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Set<ProcessHandle> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /** Marks every node JVM with the pid of the test JVM that started it. */
  private static final String OWNER_PROPERTY = "-Dlattice.e2e.owner=";

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RegionCluster::killTree),
        "lattice-e2e-reaper"));
    reapOrphans();
  }

  /**
   * A test JVM killed with -9 cannot run its shutdown hook: its nodes survive it. Kill such orphans, recognised by
   * the owner marker on their command line naming a test JVM that no longer exists.
   */
  private static void reapOrphans() {
    ProcessHandle.allProcesses().forEach(p -> {
      String[] args = p.info().arguments().orElse(new String[0]);
      for (String arg : args) {
        if (arg.startsWith(OWNER_PROPERTY)) {
          try {
            long owner = Long.parseLong(arg.substring(OWNER_PROPERTY.length()));
            if (ProcessHandle.of(owner).map(h -> !h.isAlive()).orElse(true)) {
              System.err.println("lattice e2e: killing orphan node pid " + p.pid() + " of dead test JVM " + owner);
              killTree(p);
            }
          } catch (NumberFormatException ignored) {
            // not ours
          }
        }
      }
    });
  }

  private final String name;
  private final Path root;
  private final Path jar;
  private final Path conf;
  private final Path tempDir;
  private final Path dataDir;
  private final Path logDir;
  private final String secret;
  private final String clusterName;
  private final Map<String, String> extraEnv;
  private final List<String> jvmArgs;
  private final Duration readyTimeout;
  private final List<Node> nodes = new ArrayList<>();
  private volatile String region;
  private volatile boolean closed;

  private static final class Node {
    final int index;
    final String id;
    final PortAllocator.Reservation gatewayPort;
    final PortAllocator.Reservation clusterPort;
    final Path log;
    volatile Process process;
    volatile long logOffset;
    volatile Instant startedAt;

    Node(int index, String id, PortAllocator.Reservation gatewayPort, PortAllocator.Reservation clusterPort, Path log) {
      this.index = index;
      this.id = id;
      this.gatewayPort = gatewayPort;
      this.clusterPort = clusterPort;
      this.log = log;
    }
  }

  /** Starts {@code nodes} nodes with the default settings and waits until all are ready. */
  public static RegionCluster start(int nodes) {
    return builder().nodes(nodes).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int nodes = 2;
    private String name;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true", "-Dhazelcast.phone.home.enabled=false"));
    private Duration readyTimeout = DEFAULT_READY_TIMEOUT;
    private Path conf;
    private String secret;
    private final Map<Integer, PortAllocator.Reservation[]> ports = new LinkedHashMap<>();

    public Builder nodes(int nodes) {
      if (nodes < 1) {
        throw new IllegalArgumentException("nodes must be >= 1");
      }
      this.nodes = nodes;
      return this;
    }

    /** Prefix of the log files; the test class name is a good choice. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * An environment override of a conf key, applied to every node: {@code env("GATEWAY__HEARTBEAT_SECONDS", 1)}
     * or the full {@code LATTICE_GATEWAY__HEARTBEAT_SECONDS}. Values are stringified (JSON for collections is the
     * caller's job). Overrides the harness defaults too.
     */
    public Builder env(String key, Object value) {
      String full = key.toUpperCase(Locale.ROOT).startsWith("LATTICE_") ? key : "LATTICE_" + key;
      env.put(full.toUpperCase(Locale.ROOT), String.valueOf(value));
      return this;
    }

    /**
     * The HS256 secret of the region (default: a random one per cluster). The regions of one deployment share it,
     * as they share an identity service: a token issued in one region is valid in every other.
     */
    public Builder secret(String secret) {
      this.secret = secret;
      return this;
    }

    public Builder heartbeatSeconds(int seconds) {
      return env("GATEWAY__HEARTBEAT_SECONDS", seconds);
    }

    public Builder rateLimit(int perSecond, int burst) {
      return env("GATEWAY__RATE_LIMIT__PER_SECOND", perSecond).env("GATEWAY__RATE_LIMIT__BURST", burst);
    }

    public Builder jvmArg(String arg) {
      jvmArgs.add(arg);
      return this;
    }

    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = timeout;
      return this;
    }

    /** The base conf file; default {@code conf/demo/us-east.json} under the repo root when it exists. */
    public Builder conf(Path conf) {
      this.conf = conf;
      return this;
    }

    /**
     * Ports reserved by the caller for node {@code i} (0-based) instead of fresh ones, for a conf that must name
     * them before the cluster exists (MeshCluster's region list). The cluster owns them from now on (closes them).
     */
    public Builder ports(int i, PortAllocator.Reservation gateway, PortAllocator.Reservation cluster) {
      ports.put(i, new PortAllocator.Reservation[] {gateway, cluster});
      return this;
    }

    /**
     * Lists this region in {@code /api/regions} as {@code regionName} with every node ({@code nodes}: what the client
     * libraries rotate over when a node fails), on ports reserved now. Call after {@link #nodes}.
     */
    public Builder listNodesInRegions(String regionName) {
      io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
      for (int i = 0; i < nodes; i++) {
        PortAllocator.Reservation gateway = PortAllocator.reserve();
        ports(i, gateway, PortAllocator.reserve());
        list.add(new io.vertx.core.json.JsonObject().put("httpUrl", "http://127.0.0.1:" + gateway.port())
            .put("wsUrl", "ws://127.0.0.1:" + gateway.port() + "/ws"));
      }
      io.vertx.core.json.JsonObject first = list.getJsonObject(0);
      return env("REGIONS", new io.vertx.core.json.JsonArray().add(new io.vertx.core.json.JsonObject()
          .put("name", regionName).put("httpUrl", first.getString("httpUrl")).put("wsUrl", first.getString("wsUrl"))
          .put("nodes", list)).encode());
    }

    public RegionCluster start() {
      RegionCluster cluster = new RegionCluster(this);
      try {
        cluster.startAll();
        return cluster;
      } catch (RuntimeException | Error e) {
        cluster.close();
        throw e;
      }
    }
  }

  private RegionCluster(Builder b) {
    this.name = b.name != null ? b.name : "cluster" + COUNTER.incrementAndGet();
    this.root = Path.of(System.getProperty("lattice.root", guessRoot())).toAbsolutePath().normalize();
    this.jar = Path.of(System.getProperty("lattice.jar", root.resolve("verticles/target/lattice.jar").toString()))
        .toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("fat jar not found at " + jar + " (run mvn package first)");
    }
    this.logDir = jar.getParent().resolve("e2e-logs");
    this.readyTimeout = b.readyTimeout;
    this.jvmArgs = List.copyOf(b.jvmArgs);
    this.secret = b.secret != null ? b.secret : "e2e-" + UUID.randomUUID() + "-" + UUID.randomUUID();
    this.clusterName = "lattice-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      Files.createDirectories(logDir);
      this.tempDir = Files.createTempDirectory("lattice-e2e-" + name + "-");
      this.dataDir = Files.createDirectories(tempDir.resolve("data"));
      this.conf = b.conf != null ? b.conf.toAbsolutePath() : defaultConf(root, tempDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < b.nodes; i++) {
      String id = "n" + (i + 1);
      Path log = logDir.resolve(name + "-" + id + ".log");
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      PortAllocator.Reservation[] given = b.ports.get(i);
      nodes.add(given != null ? new Node(i, id, given[0], given[1], log)
          : new Node(i, id, PortAllocator.reserve(), PortAllocator.reserve(), log));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LATTICE_CLUSTER__NAME", clusterName);
    env.put("LATTICE_CLUSTER__HOST", "127.0.0.1");
    env.put("LATTICE_CLUSTER__MEMBERS", nodes.stream().map(n -> "\"127.0.0.1:" + n.clusterPort.port() + "\"")
        .collect(Collectors.joining(",", "[", "]")));
    env.put("LATTICE_STORAGE__DIR", dataDir.toString());
    env.put("LATTICE_MEDIA__DIR", tempDir.resolve("media").toString());
    env.put("LATTICE_GATEWAY__HOST", "127.0.0.1");
    env.put("LATTICE_AUTH__HS256_SECRET", secret);
    env.put("LATTICE_AUTH__DEV_TOKENS", "true");
    // A lone region by default: no Kafka, no WAN links (the demo confs' fixed ports belong to ./lattice demo).
    // Multi-region tests (MeshCluster) turn it back on with their own ports.
    env.put("LATTICE_KAFKA__ENABLED", "false");
    env.putAll(b.env);
    this.extraEnv = env;
  }

  static String guessRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isDirectory(here.resolve("verticles")) ? here.toString() : here.getParent().toString();
  }

  private static Path defaultConf(Path root, Path tempDir) throws IOException {
    Path demo = root.resolve("conf/demo/us-east.json");
    if (Files.isRegularFile(demo)) {
      return demo;
    }
    Path fallback = tempDir.resolve("region.json");
    try (InputStream in = RegionCluster.class.getResourceAsStream("/e2e/region.json")) {
      if (in == null) {
        throw new IllegalStateException("neither " + demo + " nor classpath /e2e/region.json exists");
      }
      Files.copy(in, fallback, StandardCopyOption.REPLACE_EXISTING);
    }
    return fallback;
  }

  private void startAll() {
    // All nodes boot in parallel (each needs a few seconds of CPU); Hazelcast joins them over the fixed member list.
    nodes.forEach(this::launch);
    for (Node node : nodes) {
      awaitReady(node);
    }
  }

  private void launch(Node node) {
    if (closed) {
      throw new IllegalStateException("cluster closed");
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmArgs);
    command.add(OWNER_PROPERTY + ProcessHandle.current().pid());
    command.add("-Dlattice.node=" + node.id);
    command.addAll(List.of("-jar", jar.toString(), "region", "--conf", conf.toString(), "--node", node.id,
        "--port", String.valueOf(node.gatewayPort.port())));
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.toUpperCase(Locale.ROOT).startsWith("LATTICE_"));
    env.putAll(extraEnv);
    env.put("LATTICE_CLUSTER__PORT", String.valueOf(node.clusterPort.port()));
    env.put("LATTICE_GATEWAY__PORT", String.valueOf(node.gatewayPort.port()));
    try {
      String header = "\n===== e2e launch of " + node.id + " at " + Instant.now() + "\n" + String.join(" ", command)
          + "\n" + env.entrySet().stream().filter(e -> e.getKey().startsWith("LATTICE_"))
          .map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining("\n")) + "\n=====\n";
      Files.writeString(node.log, header, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      node.logOffset = Files.size(node.log);
      node.startedAt = Instant.now();
      node.process = builder.start();
      LIVE.add(node.process.toHandle());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + node.id, e);
    }
  }

  private void awaitReady(Node node) {
    Pattern ready = Pattern.compile("Lattice node " + Pattern.quote(node.id) + " of (\\S+) ready");
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    boolean lineSeen = false;
    int lastHealth = -1;
    while (true) {
      Process process = node.process;
      if (!lineSeen) {
        Matcher m = ready.matcher(readLog(node, node.logOffset));
        if (m.find()) {
          lineSeen = true;
          region = m.group(1);
        }
      }
      if (lineSeen) {
        lastHealth = healthStatus(node);
        if (lastHealth == 200) {
          return;
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("node " + node.id + " of " + name + " exited with " + process.exitValue()
            + " before it was ready; log " + node.log + ":\n" + logTail(node.index, 60));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + node.id + " of " + name + " not ready after " + readyTimeout
            + " (ready line seen: " + lineSeen + ", last /health status: " + lastHealth + "); log " + node.log
            + ":\n" + logTail(node.index, 60));
      }
      // Polling an external process: there is no event to wait on.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(150));
    }
  }

  private int healthStatus(Node node) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(httpUrl(node.index) + "/health"))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String readLog(Node node, long from) {
    try (RandomAccessFile file = new RandomAccessFile(node.log.toFile(), "r")) {
      long length = file.length();
      if (length <= from) {
        return "";
      }
      byte[] bytes = new byte[(int) Math.min(length - from, 8L << 20)];
      file.seek(from);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  // ---------------------------------------------------------------------------------------------------- accessors

  public int size() {
    return nodes.size();
  }

  public String name() {
    return name;
  }

  /** The region name, as printed on the nodes' ready line. */
  public String region() {
    return region;
  }

  public String nodeId(int i) {
    return node(i).id;
  }

  public int gatewayPort(int i) {
    return node(i).gatewayPort.port();
  }

  public int clusterPort(int i) {
    return node(i).clusterPort.port();
  }

  public String httpUrl(int i) {
    return "http://127.0.0.1:" + gatewayPort(i);
  }

  public String wsUrl(int i) {
    return "ws://127.0.0.1:" + gatewayPort(i) + "/ws";
  }

  /** The HS256 secret every node of this cluster verifies tokens with (tests mint tokens with it). */
  public String hs256Secret() {
    return secret;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile(int i) {
    return node(i).log;
  }

  public boolean isAlive(int i) {
    Process p = node(i).process;
    return p != null && p.isAlive();
  }

  public long pid(int i) {
    return node(i).process.pid();
  }

  /** The last {@code lines} lines of node {@code i}'s log (all launches). */
  public String logTail(int i, int lines) {
    List<String> all = List.of(readLog(node(i), 0).split("\n"));
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Where to look when something failed. */
  public String describe() {
    return nodes.stream().map(n -> n.id + " " + httpUrl(n.index) + " alive=" + isAlive(n.index) + " log=" + n.log)
        .collect(Collectors.joining("; ", name + "[", "]"));
  }

  private Node node(int i) {
    if (i < 0 || i >= nodes.size()) {
      throw new IndexOutOfBoundsException("node index " + i + " of " + nodes.size() + " (indexes are 0-based)");
    }
    return nodes.get(i);
  }

  // ---------------------------------------------------------------------------------------------------- lifecycle

  /** kill -9 node {@code i} and every descendant process; returns once the process is gone. */
  public void kill(int i) {
    Node node = node(i);
    Process p = node.process;
    if (p == null) {
      return;
    }
    killTree(p.toHandle());
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("node " + node.id + " survived kill -9");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    LIVE.remove(p.toHandle());
  }

  /** Graceful stop (SIGTERM), then kill -9 whatever is left after {@code grace}. */
  public void stop(int i, Duration grace) {
    Node node = node(i);
    Process p = node.process;
    if (p == null || !p.isAlive()) {
      return;
    }
    List<ProcessHandle> descendants = p.descendants().toList();
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        descendants.forEach(ProcessHandle::destroyForcibly);
        killTree(p.toHandle());
        p.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    LIVE.remove(p.toHandle());
  }

  /** Stops node {@code i} if it still runs (gracefully), starts it again on the same ports and waits until ready. */
  public void restart(int i) {
    stop(i, Duration.ofSeconds(15));
    Node node = node(i);
    launch(node);
    awaitReady(node);
  }

  /** Waits until node {@code i} is ready again (ready line of its latest launch and /health 200). */
  public void awaitReady(int i) {
    awaitReady(node(i));
  }

  private static void killTree(ProcessHandle handle) {
    List<ProcessHandle> descendants = handle.descendants().toList();
    handle.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Process> running = nodes.stream().map(n -> n.process).filter(p -> p != null && p.isAlive()).toList();
    Map<Process, List<ProcessHandle>> descendants = new LinkedHashMap<>();
    running.forEach(p -> descendants.put(p, p.descendants().toList()));
    running.forEach(Process::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Process p : running) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          killTree(p.toHandle());
          p.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        killTree(p.toHandle());
      }
      descendants.get(p).forEach(ProcessHandle::destroyForcibly);
      LIVE.remove(p.toHandle());
    }
    for (Node n : nodes) {
      n.gatewayPort.close();
      n.clusterPort.close();
    }
    if (!Boolean.getBoolean("lattice.e2e.keepData") && tempDir != null) {
      try (Stream<Path> walk = Files.walk(tempDir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // best effort: it is a temp dir
      }
    }
  }
}
