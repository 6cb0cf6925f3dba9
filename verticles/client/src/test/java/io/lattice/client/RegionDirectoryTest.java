package io.lattice.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Region choice against small HTTP servers standing in for three regions' gateways. */
class RegionDirectoryTest {
  private Vertx vertx;
  private HttpClient http;
  private final Map<String, HttpServer> servers = new LinkedHashMap<>();
  private final Map<String, Integer> healthStatus = new LinkedHashMap<>();
  private final Map<String, Integer> ports = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    http = vertx.createHttpClient();
    for (String region : List.of("us-east", "eu-west", "ap-northeast")) {
      healthStatus.put(region, 200);
      HttpServer server = vertx.createHttpServer().requestHandler(request -> {
        if (request.path().equals("/health")) {
          request.response().setStatusCode(healthStatus.get(region)).end("{}");
        } else if (request.path().equals("/api/regions")) {
          request.response().end(regionList().encode());
        } else {
          request.response().setStatusCode(404).end();
        }
      });
      await(server.listen(0, "127.0.0.1"));
      servers.put(region, server);
      ports.put(region, server.actualPort());
    }
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private JsonObject regionList() {
    JsonArray regions = new JsonArray();
    ports.forEach((name, port) -> regions.add(new JsonObject().put("name", name)
        .put("httpUrl", "http://127.0.0.1:" + port).put("wsUrl", "ws://127.0.0.1:" + port + "/ws")
        .put("healthy", healthStatus.get(name) == 200)));
    return new JsonObject().put("regions", regions);
  }

  private RegionDirectory directory(List<String> seeds, List<String> preference, int failoverAfter) {
    return new RegionDirectory(http, seeds, preference, 5_000, failoverAfter); // generous: a busy CI machine
  }

  private String url(String region) {
    return "http://127.0.0.1:" + ports.get(region);
  }

  @Test
  void preferredRegionFirstThenReachableOnes() throws Exception {
    healthStatus.put("eu-west", 503); // draining: not a candidate while anything else answers
    RegionDirectory directory = directory(List.of(url("us-east")), List.of("ap-northeast"), 3);
    assertThat(await(directory.refresh())).isTrue();
    List<String> names = directory.regions().stream().map(Region::name).toList();
    assertThat(names).containsExactly("ap-northeast", "us-east", "eu-west");
    assertThat(directory.current().name()).isEqualTo("ap-northeast");
    assertThat(directory.regions().get(2).reachable()).isFalse();
  }

  @Test
  void failsOverToTheBestOtherRegionAfterTheConfiguredFailures() throws Exception {
    RegionDirectory directory = directory(List.of(url("us-east")), List.of("us-east"), 3);
    await(directory.refresh());
    assertThat(directory.current().name()).isEqualTo("us-east");
    await(servers.get("us-east").close()); // the region dies
    assertThat(await(directory.attemptFailed())).isNull();
    assertThat(await(directory.attemptFailed())).isNull();
    String reason = await(directory.attemptFailed());
    assertThat(reason).contains("us-east").contains("failed 3 times");
    assertThat(directory.current().name()).isIn("eu-west", "ap-northeast");
  }

  @Test
  void aRegionWhoseEveryEndpointRefusesIsLeftAtOnce() throws Exception {
    RegionDirectory directory = directory(List.of(url("us-east")), List.of("us-east"), 3);
    await(directory.refresh());
    await(servers.get("us-east").close()); // the process is gone: connections are refused

    String reason = await(directory.attemptFailed(true));

    assertThat(reason).contains("us-east").contains("failed 1 times");
    assertThat(directory.current().name()).isIn("eu-west", "ap-northeast");
  }

  /** The seed is the dead region: the list comes from the regions learnt before. */
  @Test
  void refreshesFromKnownRegionsWhenTheSeedIsDown() throws Exception {
    RegionDirectory directory = directory(List.of(url("us-east")), List.of(), 1);
    await(directory.refresh());
    await(servers.get("us-east").close());
    assertThat(await(directory.refresh())).isTrue();
    assertThat(directory.regions().get(0).name()).isNotEqualTo("us-east");
    assertThat(directory.regions().stream().filter(r -> r.name().equals("us-east")).findFirst().orElseThrow()
        .reachable()).isFalse();
  }

  @Test
  void connectedResetsTheFailureCount() throws Exception {
    RegionDirectory directory = directory(List.of(url("eu-west")), List.of("eu-west"), 2);
    await(directory.refresh());
    await(directory.attemptFailed());
    directory.connected();
    assertThat(await(directory.attemptFailed())).isNull();
    assertThat(directory.current().name()).isEqualTo("eu-west");
  }

  @Test
  void nothingKnownWhenNoSeedAnswers() throws Exception {
    RegionDirectory directory = directory(List.of("http://127.0.0.1:1"), List.of(), 1);
    assertThat(await(directory.refresh())).isFalse();
    assertThat(directory.current()).isNull();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
