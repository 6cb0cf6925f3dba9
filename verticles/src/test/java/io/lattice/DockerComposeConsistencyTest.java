package io.lattice;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps docker/ from rotting without a Docker engine: reads docker/docker-compose.yml line by line (no YAML library
 * on the classpath; the file sticks to block style with two-space indentation for that reason), the region confs it
 * mounts and the Dockerfile, and checks them against the repository: mounted files exist, every conf names only
 * services the compose file defines, carries the blocks the node reads, picks backends Stores accepts, and every
 * LATTICE_* variable the compose file sets lands on a key the conf has.
 */
class DockerComposeConsistencyTest {
  private static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-northeast");
  /** backends.<port> -> the values Stores accepts (the first is the embedded default). */
  private static final Map<String, List<String>> BACKENDS = Map.of(
      "messages", List.of("sqlite", "cassandra"),
      "receipts", List.of("sqlite", "redis"),
      "sessions", List.of("hazelcast", "redis"),
      "presence", List.of("hazelcast", "redis"),
      "rateLimits", List.of("node", "redis"),
      "pushDevices", List.of("hazelcast", "redis"));

  private static Path root;
  private static Compose compose;

  /** One service of the compose file: its lines, environment, volumes, depends_on, ipv4 address. */
  record Service(String name, List<String> lines, Map<String, String> environment, List<String> volumes,
                 List<String> dependsOn, String ipv4) {
  }

  record Compose(Map<String, Service> services, Set<String> topLevelKeys) {
    Service serviceAt(String host) {
      if (services.containsKey(host)) {
        return services.get(host);
      }
      return services.values().stream().filter(s -> host.equals(s.ipv4())).findFirst().orElse(null);
    }
  }

  @BeforeAll
  static void load() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("docker/docker-compose.yml"))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "docker/docker-compose.yml not found above " + Path.of("").toAbsolutePath());
    root = dir;
    compose = parse(Files.readAllLines(root.resolve("docker/docker-compose.yml")));
  }

  /**
   * A minimal reader for the subset the compose file uses: top-level keys at column 0, services at two spaces,
   * their keys at four, and under environment / depends_on / volumes their entries at six. Merge keys ({@code <<})
   * and inline values on one line are kept as text.
   */
  static Compose parse(List<String> raw) {
    Map<String, Service> services = new LinkedHashMap<>();
    Set<String> top = new LinkedHashSet<>();
    String section = null;
    Service current = null;
    String sub = null;
    Pattern key = Pattern.compile("^( *)([A-Za-z0-9_<.-]+):(?: (.*))?$");
    for (String line : raw) {
      String text = line.replaceFirst("\\s+#.*$", "");
      if (text.isBlank() || text.trim().startsWith("#")) {
        continue;
      }
      Matcher m = key.matcher(text);
      int indent = text.length() - text.stripLeading().length();
      if (indent == 0) {
        assertTrue(m.matches(), "top-level line: " + line);
        section = m.group(2);
        top.add(section);
        current = null;
        continue;
      }
      if (!"services".equals(section)) {
        continue;
      }
      if (indent == 2) {
        assertTrue(m.matches() && m.group(3) == null, "service line: " + line);
        current = new Service(m.group(2), new ArrayList<>(), new LinkedHashMap<>(), new ArrayList<>(),
            new ArrayList<>(), null);
        services.put(current.name(), current);
        sub = null;
        continue;
      }
      assertNotNull(current, "line outside a service: " + line);
      current.lines().add(text.trim());
      if (indent == 4 && m.matches()) {
        sub = m.group(2);
        String value = m.group(3) == null ? "" : m.group(3).trim();
        if (sub.equals("volumes") && value.startsWith("[")) {
          for (String v : value.substring(1, value.length() - 1).split(",")) {
            current.volumes().add(v.trim());
          }
        }
        if (sub.equals("networks")) {
          Matcher ip = Pattern.compile("ipv4_address: *([0-9.]+)").matcher(value);
          if (ip.find()) {
            services.put(current.name(), current = withIp(current, ip.group(1)));
          }
        }
        continue;
      }
      if (indent >= 6 && sub != null) {
        String entry = text.trim();
        switch (sub) {
          case "environment" -> {
            Matcher e = key.matcher(entry);
            assertTrue(e.matches(), "environment entry: " + line);
            current.environment().put(e.group(2), e.group(3) == null ? "" : e.group(3).trim());
          }
          case "volumes" -> current.volumes().add(entry.replaceFirst("^- *", ""));
          case "depends_on" -> {
            Matcher d = key.matcher(entry);
            assertTrue(d.matches(), "depends_on entry: " + line);
            current.dependsOn().add(d.group(2));
          }
          case "networks" -> {
            Matcher ip = Pattern.compile("ipv4_address: *([0-9.]+)").matcher(entry);
            if (ip.find()) {
              services.put(current.name(), current = withIp(current, ip.group(1)));
            }
          }
          default -> { }
        }
      }
    }
    return new Compose(services, top);
  }

  private static Service withIp(Service s, String ip) {
    return new Service(s.name(), s.lines(), s.environment(), s.volumes(), s.dependsOn(), ip);
  }

  private static List<Service> latticeServices() {
    List<Service> nodes = compose.services().values().stream()
        .filter(s -> s.lines().stream().anyMatch(l -> l.equals("<<: *lattice"))).toList();
    assertEquals(2 * REGIONS.size(), nodes.size(), "two Lattice nodes per region");
    return nodes;
  }

  /** The host conf file a Lattice service mounts, and where it mounts it. */
  private static String[] confMount(Service s) {
    List<String[]> mounts = s.volumes().stream().filter(v -> v.startsWith("./conf/"))
        .map(v -> v.split(":")).toList();
    assertEquals(1, mounts.size(), s.name() + " mounts one conf file");
    return mounts.get(0);
  }

  private static JsonObject conf(String region) throws IOException {
    return new JsonObject(Files.readString(root.resolve("docker/conf/" + region + ".json")));
  }

  private static void assertService(String where, String hostPort) {
    String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
    assertNotNull(compose.serviceAt(host), where + ": " + host + " is not a service (or ipv4_address) of the compose"
        + " file");
  }

  @Test
  void servicesCoverThreeRegions() {
    for (String region : REGIONS) {
      for (String name : List.of("kafka-" + region, "redis-" + region, "cassandra-" + region,
          "lattice-" + region + "-1", "lattice-" + region + "-2")) {
        assertTrue(compose.services().containsKey(name), "service " + name);
      }
    }
    assertTrue(compose.topLevelKeys().containsAll(List.of("services", "networks", "volumes")));
  }

  @Test
  void dependsOnAndNamedVolumesExist() throws IOException {
    String yaml = Files.readString(root.resolve("docker/docker-compose.yml"));
    List<String> volumeLines = yaml.lines().dropWhile(l -> !l.equals("volumes:")).skip(1)
        .takeWhile(l -> l.startsWith("  ")).map(l -> l.trim().replace(":", "")).toList();
    for (Service s : compose.services().values()) {
      for (String dep : s.dependsOn()) {
        assertTrue(compose.services().containsKey(dep), s.name() + " depends on unknown service " + dep);
      }
      for (String v : s.volumes()) {
        String source = v.split(":")[0];
        if (!source.startsWith(".") && !source.startsWith("/")) {
          assertTrue(volumeLines.contains(source), s.name() + ": named volume " + source + " not declared");
        }
      }
    }
  }

  @Test
  void latticeNodesMountTheirRegionConfAndPassItToTheLauncher() throws IOException {
    String launcher = Files.readString(root.resolve("verticles/src/main/java/io/lattice/LatticeApplication.java"));
    for (String option : List.of("--conf", "--node")) {
      assertTrue(launcher.contains("case \"" + option + "\""), "the launcher reads " + option);
    }
    Set<String> nodeIds = new LinkedHashSet<>();
    for (Service s : latticeServices()) {
      String[] mount = confMount(s);
      Path file = root.resolve("docker").resolve(mount[0]).normalize();
      assertTrue(Files.isRegularFile(file), s.name() + " mounts missing " + file);
      String region = file.getFileName().toString().replace(".json", "");
      assertTrue(s.name().startsWith("lattice-" + region + "-"), s.name() + " mounts the conf of " + region);
      String command = s.lines().stream().filter(l -> l.startsWith("command:")).findFirst().orElseThrow();
      assertTrue(command.contains("\"--conf\", \"" + mount[1] + "\""), s.name() + ": --conf " + mount[1]);
      Matcher node = Pattern.compile("\"--node\", \"([a-z0-9]+)\"").matcher(command);
      assertTrue(node.find(), s.name() + " sets --node");
      assertTrue(nodeIds.add(region + "/" + node.group(1)), "node ids unique per region: " + s.name());
      // the conf's cluster members are this region's two nodes, by their fixed addresses
      JsonObject cluster = conf(region).getJsonObject("cluster");
      List<String> members = cluster.getJsonArray("members").stream().map(Object::toString).toList();
      assertNotNull(s.ipv4(), s.name() + " has a fixed ipv4_address (Hazelcast binds to an interface address)");
      assertTrue(members.contains(s.ipv4() + ":" + cluster.getInteger("port")), s.name() + " in " + members);
      assertEquals(s.ipv4(), s.environment().get("LATTICE_CLUSTER__HOST"), s.name() + " binds its own address");
    }
  }

  @Test
  void regionConfsHaveTheBlocksTheNodeReads() throws IOException {
    for (String region : REGIONS) {
      JsonObject conf = conf(region);
      String where = "docker/conf/" + region + ".json";
      assertEquals(region, conf.getString("region"), where);
      for (String block : List.of("cluster", "gateway", "auth", "kafka", "backends", "cassandra", "redis", "media",
          "storage")) {
        assertNotNull(conf.getJsonObject(block), where + " has block " + block);
      }
      assertTrue(conf.getJsonObject("auth").containsKey("hs256Secret"), where);
      assertNull(conf.getJsonObject("auth").getString("hs256Secret"), where + ": secrets come from the environment");
      assertNull(conf.getJsonObject("media").getString("secret"), where + ": secrets come from the environment");
      assertFalse(conf.getJsonObject("auth").getBoolean("devTokens", false), where + ": no dev tokens");
      assertEquals("0.0.0.0", conf.getJsonObject("gateway").getString("host"), where + ": reachable in a container");
      assertEquals(2, conf.getJsonObject("cluster").getJsonArray("members").size(), where + ": two members");

      JsonObject kafka = conf.getJsonObject("kafka");
      assertTrue(kafka.getBoolean("enabled", false), where + ": kafka.enabled");
      assertNull(kafka.getValue("embedded"), where + ": no embedded broker");
      for (String server : kafka.getString("bootstrapServers").split(",")) {
        assertService(where + " kafka.bootstrapServers", server);
        assertTrue(server.startsWith("kafka-" + region + ":"), where + ": own region's broker, not " + server);
        assertAdvertises(server);
      }
      Set<String> remoteRegions = new LinkedHashSet<>();
      for (Object r : kafka.getJsonArray("remotes")) {
        JsonObject remote = (JsonObject) r;
        remoteRegions.add(remote.getString("region"));
        for (String server : remote.getString("bootstrapServers").split(",")) {
          assertService(where + " kafka.remotes", server);
          assertTrue(server.startsWith("kafka-" + remote.getString("region") + ":"), where + ": " + server);
          assertAdvertises(server);
        }
      }
      assertEquals(REGIONS.stream().filter(r -> !r.equals(region)).collect(java.util.stream.Collectors.toSet()),
          remoteRegions, where + ": kafka.remotes names the two other regions");

      JsonObject backends = conf.getJsonObject("backends");
      for (String port : backends.fieldNames()) {
        assertTrue(BACKENDS.containsKey(port), where + ": unknown backends." + port);
        assertTrue(BACKENDS.get(port).contains(backends.getString(port)),
            where + ": backends." + port + " = " + backends.getString(port) + " not in " + BACKENDS.get(port));
      }
      assertTrue(List.of("file", "s3").contains(conf.getJsonObject("media").getString("backend", "file")), where);
      assertTrue(List.of("logging", "webhook", "fcm", "webpush").contains(
          conf.getJsonObject("notification", new JsonObject()).getString("sender", "logging")), where);

      JsonObject cassandra = conf.getJsonObject("cassandra");
      assertEquals(region, cassandra.getString("localDatacenter"), where + ": cassandra.localDatacenter");
      assertEquals(Set.copyOf(REGIONS), cassandra.getJsonObject("replication").fieldNames(),
          where + ": replication for every region's datacenter");
      for (Object point : cassandra.getJsonArray("contactPoints")) {
        assertService(where + " cassandra.contactPoints", point.toString());
        Service node = compose.serviceAt(point.toString().split(":")[0]);
        assertEquals(region, node.environment().get("CASSANDRA_DC"), where + ": contact point in the local DC");
        assertEquals("GossipingPropertyFileSnitch", node.environment().get("CASSANDRA_ENDPOINT_SNITCH"), where);
      }

      JsonObject redis = conf.getJsonObject("redis");
      assertTrue(List.of("standalone", "cluster").contains(redis.getString("mode", "standalone")), where);
      JsonArray endpoints = redis.getJsonArray("endpoints");
      assertFalse(endpoints.isEmpty(), where + ": redis.endpoints");
      for (Object endpoint : endpoints) {
        URI uri = URI.create(endpoint.toString());
        assertService(where + " redis.endpoints", uri.getHost() + ":" + uri.getPort());
        assertTrue(uri.getHost().endsWith("-" + region), where + ": own region's Redis, not " + uri.getHost());
      }

      for (Object r : conf.getJsonArray("regions", new JsonArray())) {
        URI uri = URI.create(((JsonObject) r).getString("httpUrl"));
        assertService(where + " regions[].httpUrl", uri.getHost() + ":" + uri.getPort());
      }
    }
  }

  /** A broker a Lattice node bootstraps from advertises that same address (else clients chase another name). */
  private static void assertAdvertises(String server) {
    Service broker = compose.serviceAt(server.split(":")[0]);
    String advertised = broker.environment().getOrDefault("KAFKA_ADVERTISED_LISTENERS", "");
    assertTrue(advertised.contains("//" + server), broker.name() + " advertises " + server + ": " + advertised);
  }

  /** The accepted values above are what Stores compares with (a renamed adapter must fail here). */
  @Test
  void backendValuesMatchStores() throws IOException {
    String stores = Files.readString(root.resolve("verticles/src/main/java/io/lattice/Stores.java"));
    BACKENDS.forEach((port, values) -> {
      assertTrue(stores.contains("backend(conf, \"" + port + "\", \"" + values.get(0) + "\")"),
          "Stores defaults backends." + port + " to " + values.get(0));
      assertTrue(stores.contains("\"" + values.get(1) + "\".equals("), "Stores accepts " + values.get(1));
    });
  }

  /** Every LATTICE_* variable the compose file sets lands on a key of the mounted conf (ConfigOverrides' rules). */
  @Test
  void environmentOverridesNameExistingKeys() throws IOException {
    String readme = Files.readString(root.resolve("README.md"));
    for (Service s : latticeServices()) {
      JsonObject conf = new JsonObject(Files.readString(root.resolve("docker").resolve(confMount(s)[0])));
      for (Map.Entry<String, String> env : s.environment().entrySet()) {
        assertTrue(env.getKey().startsWith("LATTICE_"), s.name() + ": unexpected variable " + env.getKey());
        String[] path = env.getKey().substring("LATTICE_".length()).split("__");
        String dotted = resolve(conf, path);
        if (dotted == null) {
          // not in the conf: it must at least be a documented key (README configuration table)
          String wanted = normalize(String.join(".", path));
          Matcher keys = Pattern.compile("`([a-zA-Z0-9.]+)`").matcher(readme);
          boolean documented = false;
          while (keys.find()) {
            documented |= normalize(keys.group(1)).equals(wanted);
          }
          assertTrue(documented, s.name() + ": " + env.getKey() + " names no conf key");
        }
        if (env.getKey().endsWith("SECRET")) {
          assertTrue(env.getValue().matches("\\$\\{[A-Z_]+:\\?.*}"),
              s.name() + ": " + env.getKey() + " comes from the environment and is required: " + env.getValue());
        }
      }
    }
  }

  private static String resolve(JsonObject conf, String[] path) {
    Object node = conf;
    StringBuilder dotted = new StringBuilder();
    for (String segment : path) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      String key = object.fieldNames().stream().filter(k -> normalize(k).equals(normalize(segment))).findFirst()
          .orElse(null);
      if (key == null) {
        return null;
      }
      dotted.append(dotted.isEmpty() ? "" : ".").append(key);
      node = object.getValue(key);
    }
    return dotted.toString();
  }

  private static String normalize(String key) {
    return key.replace("_", "").toLowerCase(Locale.ROOT);
  }

  @Test
  void dockerfileCopiesTheBuiltJarAndRunsTheRegionCommand() throws IOException {
    String pom = Files.readString(root.resolve("verticles/pom.xml"));
    Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
    assertTrue(finalName.find(), "verticles/pom.xml names the fat jar");
    String jar = "verticles/target/" + finalName.group(1) + ".jar";
    String dockerfile = Files.readString(root.resolve("docker/Dockerfile"));
    Matcher copy = Pattern.compile("(?m)^COPY " + Pattern.quote(jar) + " (\\S+)$").matcher(dockerfile);
    assertTrue(copy.find(), "the Dockerfile copies " + jar);
    Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(dockerfile);
    assertTrue(entry.find(), "ENTRYPOINT in exec form");
    List<String> args = List.of(entry.group(1).replace("\"", "").split(",\\s*"));
    int jarArg = args.indexOf("-jar");
    assertTrue(jarArg >= 0, "java -jar: " + args);
    assertEquals(copy.group(1), args.get(jarArg + 1), "runs the jar it copied");
    assertEquals("region", args.get(jarArg + 2), "the launcher's region command");
    String launcher = Files.readString(root.resolve("verticles/src/main/java/io/lattice/LatticeApplication.java"));
    assertTrue(launcher.contains("case \"region\""), "the launcher knows the region command");
    // cluster.configFile is relative to the working directory: the image must carry it there
    assertTrue(Files.isRegularFile(root.resolve("cluster.xml")));
    assertTrue(dockerfile.contains("COPY cluster.xml cluster.xml"), "the image carries cluster.xml");
    for (String region : REGIONS) {
      assertEquals("cluster.xml", conf(region).getJsonObject("cluster").getString("configFile"));
    }
    // the compose file builds from the repository root with this Dockerfile
    String yaml = Files.readString(root.resolve("docker/docker-compose.yml"));
    assertTrue(yaml.contains("build: { context: .., dockerfile: docker/Dockerfile }"), "compose builds the image");
  }

  @Test
  void theReaderRejectsABrokenServiceName() {
    Compose broken = parse(List.of("services:", "  kafka-us-east:", "    image: apache/kafka", "networks:"));
    assertNull(broken.serviceAt("kafka-useast"));
    try {
      assertService("probe", "kafka-useast:9092");
    } catch (AssertionError expected) {
      return;
    }
    fail("an unknown host must fail");
  }
}
