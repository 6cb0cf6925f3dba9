package io.lattice;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ClasspathXmlConfig;
import io.lattice.config.LatticeConfig;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The fat jar's entry point: {@code java -jar lattice.jar region --conf FILE [--node ID] [--port P]}.
 *
 * <p>A thin layer over the Vert.x 5 launcher ({@link VertxApplication}): it turns Lattice's command line into
 * system properties, builds the region's Hazelcast cluster manager from cluster.xml plus the conf's cluster block,
 * enables Prometheus metrics, and deploys {@link RegionVerticle}.
 */
public final class LatticeApplication implements VertxApplicationHooks {

  public static void main(String[] args) {
    List<String> vertxArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "region" -> { }
        case "--conf" -> System.setProperty(LatticeConfig.CONF_PROPERTY, args[++i]);
        case "--node" -> System.setProperty("lattice.node", args[++i]);
        case "--port" -> System.setProperty("lattice.port", args[++i]);
        default -> vertxArgs.add(args[i]);
      }
    }
    vertxArgs.add("-cluster");
    int code = new VertxApplication(vertxArgs.toArray(String[]::new), new LatticeApplication()).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  private final JsonObject conf = LatticeConfig.loadSync();

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    JsonObject cluster = conf.getJsonObject("cluster", new JsonObject());
    options.getEventBusOptions().setHost(cluster.getString("host", "127.0.0.1")).setPort(0);
    // JVM meters (heap, GC pauses, threads, process and system CPU): what an operator reads first when latency
    // climbs, and what the bench charts next to its own figures.
    options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    JsonObject vertx = conf.getJsonObject("vertx", new JsonObject());
    options.setMaxEventLoopExecuteTime(vertx.getLong("maxEventLoopExecuteTimeMs", 2000L));
    options.setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcastConfig(cluster)));
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return RegionVerticle::new;
  }

  static Config hazelcastConfig(JsonObject cluster) {
    Config config;
    Path file = Path.of(cluster.getString("configFile", "cluster.xml"));
    try {
      config = Files.exists(file) ? new FileSystemXmlConfig(file.toFile()) : new ClasspathXmlConfig("cluster.xml");
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    config.setClusterName(cluster.getString("name", "lattice"));
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.getInteger("port", network.getPort())).setPortAutoIncrement(true);
    String host = cluster.getString("host", "127.0.0.1");
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    JsonArray members = cluster.getJsonArray("members");
    if (members != null) {
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(expandPortRanges(members));
    }
    return config;
  }

  /** "127.0.0.1:5701-5703" -> three members: Hazelcast takes IP ranges but not port ranges. */
  static List<String> expandPortRanges(JsonArray members) {
    List<String> out = new ArrayList<>();
    for (Object member : members) {
      String text = member.toString();
      int colon = text.lastIndexOf(':');
      int dash = text.indexOf('-', colon + 1);
      if (colon < 0 || dash < 0) {
        out.add(text);
        continue;
      }
      int from = Integer.parseInt(text.substring(colon + 1, dash));
      int to = Integer.parseInt(text.substring(dash + 1));
      for (int port = from; port <= to; port++) {
        out.add(text.substring(0, colon) + ":" + port);
      }
    }
    return out;
  }
}
