package io.lattice.e2e.support;

import io.lattice.testinfra.KafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The three demo regions (us-east, eu-west, ap-northeast) as three {@link RegionCluster}s, each with its embedded
 * Kafka broker, joined by the simulated WAN exactly as {@code conf/demo/*.json} wire them, but on free ports and
 * with every directory under one temp dir.
 *
 * <pre>{@code
 * try (MeshCluster mesh = MeshCluster.builder().name("MyIT").start()) {
 *   TestClient alice = TestClient.connect(mesh.region("us-east"), 0, "alice-1");
 *   mesh.cut("us-east", "eu-west");      // both directions of the pair
 *   mesh.restore("us-east", "eu-west");
 *   mesh.kill("eu-west");                // kill -9 every node of the region
 *   mesh.restart("eu-west");             // same ports, same data (Kafka log and offsets survive)
 * }
 * }</pre>
 *
 * <p>Each region's conf is generated from its demo conf: every port of the three demo confs is mapped to one fresh
 * port (the same demo port gets the same new port in all three files, which keeps the wiring: a broker's listener for
 * region B advertises B's WAN link port, B bootstraps through that link, the link targets that listener), the
 * {@code regions} list names the new gateways, and the one-way delays are the demo's unless set with
 * {@link Builder#delay}. Logs are {@code verticles/target/e2e-logs/<name>-<region>-<nodeId>.log}.
 *
 * <p>{@link Builder#confSet} takes the confs from another directory of {@code conf/}: {@code prod-local}'s regions
 * have no embedded broker; their brokers are separate {@code kafka.Kafka} processes ({@link KafkaBroker}) started
 * here from {@code conf/prod-local/infra.json}'s specs (ports mapped the same way) before the regions, and they stay
 * up when a region is killed, as an external cluster would.
 */
public final class MeshCluster implements AutoCloseable {
  public static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-northeast");

  private final Path tempDir;
  private final Map<Integer, PortAllocator.Reservation> ports = new LinkedHashMap<>();
  private final Map<String, RegionCluster> regions = new LinkedHashMap<>();
  private final Map<String, KafkaBroker> brokers = new LinkedHashMap<>();
  /** One secret for the whole deployment: a token from any region works in every region (failover needs it). */
  private final String secret = "e2e-mesh-" + java.util.UUID.randomUUID() + "-" + java.util.UUID.randomUUID();

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private String name = "mesh";
    private String confSet = "demo";
    private boolean externalBrokers;
    private int nodes = 1;
    private Duration readyTimeout = Duration.ofSeconds(180);
    private final Map<String, Long> delays = new LinkedHashMap<>();
    private final Map<String, Object> env = new LinkedHashMap<>();
    private java.util.function.BiConsumer<String, JsonObject> regionConf = (region, conf) -> { };

    /** Prefix of the log files; the test class name is a good choice. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The directory of {@code conf/} whose region confs to start from (default {@code demo}). */
    public Builder confSet(String confSet) {
      this.confSet = confSet;
      return this;
    }

    /**
     * Runs each region's broker as a separate {@code kafka.Kafka} process (configured as the demo's embedded one
     * would be), so that a test can kill and restart a broker without its region ({@link #broker}).
     */
    public Builder externalBrokers() {
      this.externalBrokers = true;
      return this;
    }

    /** Nodes per region (default 1); node n1 owns the region's broker and WAN links. */
    public Builder nodes(int nodes) {
      this.nodes = nodes;
      return this;
    }

    /** The one-way delay of the pair's WAN links, both directions (default: the demo's 40/80/110 ms). */
    public Builder delay(String a, String b, long oneWayMs) {
      delays.put(pair(a, b), oneWayMs);
      return this;
    }

    /** An environment override for every node of every region (see {@link RegionCluster.Builder#env}). */
    public Builder env(String key, Object value) {
      env.put(key, value);
      return this;
    }

    /** Changes each region's generated conf before it is written (e.g. per-region backend blocks). */
    public Builder regionConf(java.util.function.BiConsumer<String, JsonObject> customizer) {
      this.regionConf = customizer;
      return this;
    }

    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = timeout;
      return this;
    }

    public MeshCluster start() {
      return new MeshCluster(this);
    }
  }

  private MeshCluster(Builder b) {
    try {
      tempDir = Files.createTempDirectory("lattice-e2e-" + b.name + "-");
      Path root = Path.of(System.getProperty("lattice.root", RegionCluster.guessRoot())).toAbsolutePath();
      Map<String, JsonObject> demo = new LinkedHashMap<>();
      for (String region : REGIONS) {
        Path file = root.resolve("conf/" + b.confSet + "/" + region + ".json");
        demo.put(region, new JsonObject(Files.readString(file)));
      }
      if (b.externalBrokers) {
        demo.replaceAll((region, conf) -> withoutEmbeddedBroker(conf));
      }
      startExternalBrokers(root, b.confSet, demo);
      JsonArray regionList = new JsonArray();
      demo.forEach((region, conf) -> {
        int gateway = port(conf.getJsonObject("gateway").getInteger("port"));
        regionList.add(new JsonObject().put("name", region).put("httpUrl", "http://127.0.0.1:" + gateway)
            .put("wsUrl", "ws://127.0.0.1:" + gateway + "/ws"));
      });
      List<RegionCluster.Builder> builders = new ArrayList<>();
      Map<Path, JsonObject> confs = new LinkedHashMap<>();
      for (String region : REGIONS) {
        builders.add(regionBuilder(b, region, demo.get(region), regionList, confs));
      }
      // Written once every region's nodes are in the shared region list.
      for (Map.Entry<Path, JsonObject> conf : confs.entrySet()) {
        Files.writeString(conf.getKey(), conf.getValue().encodePrettily());
      }
      // Each region needs 10-20 s of CPU (Hazelcast, Kafka broker, topics): they boot side by side.
      List<CompletableFuture<RegionCluster>> starting = builders.stream()
          .map(builder -> CompletableFuture.supplyAsync(builder::start, MeshCluster::thread)).toList();
      RuntimeException failure = null;
      for (int i = 0; i < REGIONS.size(); i++) {
        try {
          regions.put(REGIONS.get(i), starting.get(i).join());
        } catch (CompletionException e) {
          failure = failure != null ? failure : new IllegalStateException("region " + REGIONS.get(i)
              + " did not start", e.getCause());
        }
      }
      if (failure != null) {
        close();
        throw failure;
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  private RegionCluster.Builder regionBuilder(Builder b, String region, JsonObject demo, JsonArray regionList,
                                              Map<Path, JsonObject> confs) throws IOException {
    Path dir = Files.createDirectories(tempDir.resolve(region));
    JsonObject conf = demo.copy();
    JsonObject cluster = conf.getJsonObject("cluster");
    JsonObject gateway = conf.getJsonObject("gateway");
    List<PortAllocator.Reservation> gateways = new ArrayList<>();
    List<PortAllocator.Reservation> clusters = new ArrayList<>();
    for (int i = 0; i < b.nodes; i++) {
      // Node n1 takes the demo's ports' replacements, the others fresh ones.
      gateways.add(i == 0 ? reservation(gateway.getInteger("port")) : PortAllocator.reserve());
      clusters.add(i == 0 ? reservation(cluster.getInteger("port")) : PortAllocator.reserve());
    }
    gateway.put("port", gateways.get(0).port());
    if (b.nodes > 1) {
      // Every node in /api/regions, as a deployment with several nodes per region lists them for the clients.
      JsonArray nodes = new JsonArray(gateways.stream().map(r -> (Object) new JsonObject()
          .put("httpUrl", "http://127.0.0.1:" + r.port()).put("wsUrl", "ws://127.0.0.1:" + r.port() + "/ws"))
          .toList());
      regionList.stream().map(JsonObject.class::cast).filter(entry -> entry.getString("name").equals(region))
          .forEach(entry -> entry.put("nodes", nodes));
    }
    cluster.put("port", clusters.get(0).port()).put("members", new JsonArray(clusters.stream()
        .map(r -> "127.0.0.1:" + r.port()).collect(Collectors.toList())));
    conf.put("storage", conf.getJsonObject("storage").copy().put("dir", dir.resolve("data").toString()));
    conf.getJsonObject("media").put("dir", dir.resolve("media").toString());
    conf.put("regions", regionList);
    JsonObject kafka = conf.getJsonObject("kafka").put("enabled", true);
    kafka.put("bootstrapServers", hostPort(kafka.getString("bootstrapServers")));
    JsonObject embedded = kafka.getJsonObject("embedded");
    if (embedded != null) {
      embedded.put("dir", dir.resolve("kafka").toString());
      mapBrokerPorts(embedded);
    }
    for (Object o : kafka.getJsonArray("remotes")) {
      JsonObject remote = (JsonObject) o;
      remote.put("bootstrapServers", hostPort(remote.getString("bootstrapServers")));
    }
    for (Object o : conf.getJsonObject("wan").getJsonArray("links")) {
      JsonObject link = (JsonObject) o;
      link.put("listenPort", port(link.getInteger("listenPort"))).put("target", hostPort(link.getString("target")));
      Long delay = b.delays.get(pair(region, link.getString("name")));
      if (delay != null) {
        link.put("oneWayDelayMs", delay);
      }
    }
    b.regionConf.accept(region, conf);
    Path file = tempDir.resolve(region + ".json");
    confs.put(file, conf);
    RegionCluster.Builder builder = RegionCluster.builder().name(b.name + "-" + region).nodes(b.nodes).conf(file)
        .secret(secret)
        .readyTimeout(b.readyTimeout)
        // RegionCluster's defaults are for a lone region: these (applied after them) restore the generated conf's.
        .env("KAFKA__ENABLED", true)
        .env("STORAGE__DIR", dir.resolve("data").toString())
        .env("MEDIA__DIR", dir.resolve("media").toString());
    b.env.forEach(builder::env);
    for (int i = 0; i < b.nodes; i++) {
      builder.ports(i, gateways.get(i), clusters.get(i));
    }
    return builder;
  }

  /** Remaps a broker spec's ports in place: {@code {"port", "controllerPort", "remoteListeners": [...]}}. */
  private void mapBrokerPorts(JsonObject spec) {
    spec.put("port", port(spec.getInteger("port"))).put("controllerPort", port(spec.getInteger("controllerPort")));
    for (Object o : spec.getJsonArray("remoteListeners")) {
      JsonObject listener = (JsonObject) o;
      listener.put("port", port(listener.getInteger("port")))
          .put("advertised", hostPort(listener.getString("advertised")));
    }
  }

  /** The conf without its embedded broker; the broker's spec moves to {@code kafka.externalBroker} (tests only). */
  private static JsonObject withoutEmbeddedBroker(JsonObject conf) {
    JsonObject copy = conf.copy();
    JsonObject kafka = copy.getJsonObject("kafka");
    JsonObject spec = (JsonObject) kafka.remove("embedded");
    spec.remove("node");
    spec.remove("dir");
    kafka.put("externalBroker", spec);
    return copy;
  }

  /**
   * For confs without {@code kafka.embedded}: one broker process per region, with the spec of
   * {@code kafka.externalBroker} (see {@link Builder#externalBrokers}) or else of the set's infra.json.
   */
  private void startExternalBrokers(Path root, String confSet, Map<String, JsonObject> confs) throws IOException {
    if (confs.values().stream().allMatch(c -> c.getJsonObject("kafka").containsKey("embedded"))) {
      return;
    }
    JsonObject specs = new JsonObject();
    confs.forEach((region, conf) -> {
      JsonObject spec = (JsonObject) conf.getJsonObject("kafka").remove("externalBroker");
      if (spec != null) {
        specs.put(region, spec);
      }
    });
    if (specs.isEmpty()) {
      specs.mergeIn(new JsonObject(Files.readString(root.resolve("conf/" + confSet + "/infra.json")))
          .getJsonObject("kafka"));
    }
    Path jar = Path.of(System.getProperty("lattice.jar", root.resolve("verticles/target/lattice.jar").toString()));
    Map<String, CompletableFuture<KafkaBroker>> starting = new LinkedHashMap<>();
    for (String region : REGIONS) {
      JsonObject spec = specs.getJsonObject(region).copy();
      mapBrokerPorts(spec);
      Path dir = Files.createDirectories(tempDir.resolve(region).resolve("kafka-broker"));
      starting.put(region, CompletableFuture.supplyAsync(() -> KafkaBroker.start(dir, spec, jar),
          MeshCluster::thread));
    }
    RuntimeException failure = null;
    for (Map.Entry<String, CompletableFuture<KafkaBroker>> e : starting.entrySet()) {
      try {
        brokers.put(e.getKey(), e.getValue().join());
      } catch (CompletionException ex) {
        failure = failure != null ? failure : new IllegalStateException("Kafka broker of " + e.getKey()
            + " did not start", ex.getCause());
      }
    }
    if (failure != null) {
      brokers.values().forEach(KafkaBroker::close);
      brokers.clear();
      throw failure;
    }
  }

  /** The region's external broker process (confs without an embedded broker only). */
  public KafkaBroker broker(String region) {
    KafkaBroker broker = brokers.get(region);
    if (broker == null) {
      throw new IllegalArgumentException("no external broker for " + region + " (embedded brokers?)");
    }
    return broker;
  }

  /** kill -9 of the region's external broker (the region keeps running). */
  public void killBroker(String region) {
    broker(region).kill();
  }

  /** A fresh broker process on the killed one's directory and ports (its log and committed offsets survive). */
  public void restartBroker(String region) {
    brokers.put(region, broker(region).restart());
  }

  /** A thread per task: the common pool may have fewer threads than there are regions (it is sized by cores). */
  private static void thread(Runnable task) {
    Thread thread = new Thread(task, "mesh-cluster");
    thread.setDaemon(true);
    thread.start();
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
  }

  /** The port that replaces this demo port (the same one in every region's conf). */
  private synchronized int port(int demoPort) {
    return ports.computeIfAbsent(demoPort, p -> PortAllocator.reserve()).port();
  }

  /** Gateway and cluster ports: RegionCluster takes over their reservations (and releases them). */
  private synchronized PortAllocator.Reservation reservation(int demoPort) {
    port(demoPort);
    return ports.remove(demoPort);
  }

  private String hostPort(String demo) {
    int colon = demo.lastIndexOf(':');
    return demo.substring(0, colon + 1) + port(Integer.parseInt(demo.substring(colon + 1)));
  }

  // ---------------------------------------------------------------------------------------------------- accessors

  public RegionCluster region(String name) {
    RegionCluster region = regions.get(name);
    if (region == null) {
      throw new IllegalArgumentException("no region " + name + " (regions: " + regions.keySet() + ")");
    }
    return region;
  }

  /** The generated conf of a region. */
  public Path confFile(String region) {
    return tempDir.resolve(region + ".json");
  }

  public String describe() {
    return regions.values().stream().map(RegionCluster::describe).collect(Collectors.joining("\n"));
  }

  // ------------------------------------------------------------------------------------------------------ the WAN

  /** Cuts the pair: a's link to b's cluster and b's link to a's. */
  public void cut(String a, String b) {
    wan(a, b, "cut", "");
  }

  public void restore(String a, String b) {
    wan(a, b, "restore", "");
  }

  /** Changes the pair's one-way delay at runtime. */
  public void delay(String a, String b, long oneWayMs) {
    wan(a, b, "delay", "?ms=" + oneWayMs);
  }

  /** GET /admin/wan of a region: its links' state and counters. */
  public JsonObject wanStatus(String region) {
    TestClient.HttpResult r = TestClient.http(region(region).httpUrl(0), "GET", "/admin/wan", null, null);
    if (r.status() != 200) {
      throw new AssertionError("GET /admin/wan of " + region + ": " + r);
    }
    return r.json();
  }

  private void wan(String a, String b, String op, String query) {
    for (String[] link : List.of(new String[] {a, b}, new String[] {b, a})) {
      String path = "/admin/wan/" + link[1] + "/" + op + query;
      TestClient.HttpResult r = TestClient.http(region(link[0]).httpUrl(0), "POST", path, null, null);
      if (r.status() != 200) {
        throw new AssertionError("POST " + path + " on " + link[0] + ": " + r);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------- lifecycle

  /** kill -9 every node of the region. */
  public void kill(String name) {
    RegionCluster region = region(name);
    for (int i = region.size() - 1; i >= 0; i--) {
      region.kill(i);
    }
  }

  /** Starts every node of the region again (n1, the broker's owner, first) on the same ports and data. */
  public void restart(String name) {
    RegionCluster region = region(name);
    for (int i = 0; i < region.size(); i++) {
      region.restart(i);
    }
  }

  @Override
  public void close() {
    List<CompletableFuture<Void>> closing = regions.values().stream()
        .map(r -> CompletableFuture.runAsync(r::close, MeshCluster::thread)).toList();
    closing.forEach(CompletableFuture::join);
    regions.clear();
    brokers.values().forEach(KafkaBroker::close);
    brokers.clear();
    ports.values().forEach(PortAllocator.Reservation::close);
    ports.clear();
    if (tempDir != null && !Boolean.getBoolean("lattice.e2e.keepData")) {
      try (Stream<Path> walk = Files.walk(tempDir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // best effort: it is a temp dir
      }
    }
  }

  @Override
  public String toString() {
    return "mesh of " + regions.keySet();
  }
}
