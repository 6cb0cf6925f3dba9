package io.lattice;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code conf/prod-local}: the three region confs point at exactly the servers {@code ./lattice infra up} starts from
 * {@code infra.json} (each region its own Redis, its own Cassandra datacenter and node, the one S3Proxy, its own
 * Kafka broker whose per-region listeners the other regions' WAN links target), and keep the demo's WAN and gateway
 * wiring. {@code MeshProductionIT} runs these confs (with the servers' ports remapped); this catches a hand edit that
 * would only fail by hand.
 */
class ProdLocalConfsTest {
  private static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-northeast");
  private static JsonObject infra;
  private static final Map<String, JsonObject> CONFS = new LinkedHashMap<>();
  private static final Map<String, JsonObject> DEMO = new LinkedHashMap<>();

  @BeforeAll
  static void read() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isDirectory(root.resolve("conf/prod-local"))) {
      root = root.getParent();
    }
    assertThat(root).as("conf/prod-local above the working directory").isNotNull();
    Path dir = root.resolve("conf/prod-local");
    infra = new JsonObject(Files.readString(dir.resolve("infra.json")));
    for (String region : REGIONS) {
      CONFS.put(region, new JsonObject(Files.readString(dir.resolve(region + ".json"))));
      DEMO.put(region, new JsonObject(Files.readString(root.resolve("conf/demo/" + region + ".json"))));
    }
  }

  @Test
  void everyRegionUsesTheProductionAdapters() {
    CONFS.forEach((region, conf) -> {
      assertThat(conf.getString("region")).isEqualTo(region);
      assertThat(conf.getJsonObject("backends").getMap()).as(region).containsEntry("messages", "cassandra")
          .containsEntry("receipts", "redis").containsEntry("sessions", "redis").containsEntry("presence", "redis")
          .containsEntry("rateLimits", "redis").containsEntry("pushDevices", "redis");
      assertThat(conf.getJsonObject("media").getString("backend")).isEqualTo("s3");
      assertThat(conf.getJsonObject("kafka").containsKey("embedded")).as("%s starts no broker itself", region)
          .isFalse();
    });
  }

  @Test
  void redisOfEachRegionIsOneThatInfraStarts() {
    for (Object o : infra.getJsonArray("redis")) {
      JsonObject redis = (JsonObject) o;
      JsonArray endpoints = CONFS.get(redis.getString("region")).getJsonObject("redis").getJsonArray("endpoints");
      assertThat(endpoints.getList()).containsExactly("redis://127.0.0.1:" + redis.getInteger("port"));
    }
  }

  @Test
  void cassandraNodeIOfInfraIsTheDatacenterOfRegionI() {
    JsonObject cassandra = infra.getJsonObject("cassandra");
    assertThat(cassandra.getJsonArray("datacenters").getList()).isEqualTo(REGIONS);
    for (int i = 0; i < REGIONS.size(); i++) {
      JsonObject conf = CONFS.get(REGIONS.get(i)).getJsonObject("cassandra");
      assertThat(conf.getString("localDatacenter")).isEqualTo(REGIONS.get(i));
      assertThat(conf.getJsonArray("contactPoints").getList())
          .containsExactly("127.0.0." + (i + 1) + ":" + cassandra.getInteger("nativePort"));
      assertThat(conf.getJsonObject("replication").fieldNames()).containsExactlyInAnyOrderElementsOf(REGIONS);
    }
  }

  @Test
  void mediaGoesToTheInfraS3ProxyWithItsCredentials() {
    JsonObject s3 = infra.getJsonObject("s3");
    CONFS.forEach((region, conf) -> {
      JsonObject media = conf.getJsonObject("media").getJsonObject("s3");
      assertThat(media.getString("endpoint")).isEqualTo("http://127.0.0.1:" + s3.getInteger("port"));
      assertThat(media.getString("accessKeyId")).isEqualTo(s3.getString("accessKeyId"));
      assertThat(media.getString("secretAccessKey")).isEqualTo(s3.getString("secretAccessKey"));
      assertThat(media.getBoolean("pathStyle")).isTrue();
    });
  }

  /** Own bootstrap = the broker's port; remote bootstrap = own WAN link, whose target is the remote's listener. */
  @Test
  void kafkaWiringMatchesTheBrokersOfInfra() {
    JsonObject brokers = infra.getJsonObject("kafka");
    CONFS.forEach((region, conf) -> {
      JsonObject kafka = conf.getJsonObject("kafka");
      assertThat(kafka.getString("bootstrapServers"))
          .isEqualTo("127.0.0.1:" + brokers.getJsonObject(region).getInteger("port"));
      for (Object o : kafka.getJsonArray("remotes")) {
        JsonObject remote = (JsonObject) o;
        JsonObject link = link(conf, remote.getString("region"));
        assertThat(remote.getString("bootstrapServers")).isEqualTo("127.0.0.1:" + link.getInteger("listenPort"));
        JsonObject listener = listenerFor(brokers.getJsonObject(remote.getString("region")), region);
        assertThat(link.getString("target")).as("%s's link to %s", region, remote.getString("region"))
            .isEqualTo("127.0.0.1:" + listener.getInteger("port"));
      }
    });
  }

  /** Everything but the backend blocks is the demo's, so the two sets do not drift apart. */
  @Test
  void wanGatewayAndClusterAreTheDemos() {
    CONFS.forEach((region, conf) -> {
      JsonObject demo = DEMO.get(region);
      for (String block : List.of("cluster", "gateway", "wan", "regions", "router", "message", "presence")) {
        assertThat(conf.getValue(block)).as("%s %s", region, block).isEqualTo(demo.getValue(block));
      }
      JsonObject demoBroker = demo.getJsonObject("kafka").getJsonObject("embedded").copy();
      demoBroker.remove("node");
      demoBroker.remove("dir");
      assertThat(infra.getJsonObject("kafka").getJsonObject(region)).as("%s broker", region).isEqualTo(demoBroker);
    });
  }

  private static JsonObject link(JsonObject conf, String name) {
    return conf.getJsonObject("wan").getJsonArray("links").stream().map(JsonObject.class::cast)
        .filter(l -> l.getString("name").equals(name)).findFirst().orElseThrow();
  }

  private static JsonObject listenerFor(JsonObject broker, String consumer) {
    return broker.getJsonArray("remoteListeners").stream().map(JsonObject.class::cast)
        .filter(l -> l.getString("region").equals(consumer)).findFirst().orElseThrow();
  }
}
