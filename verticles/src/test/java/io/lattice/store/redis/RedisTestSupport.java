package io.lattice.store.redis;

import io.lattice.testinfra.RedisServers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Opens the Redis stores on the test servers, each call under a fresh key prefix so tests never see each other. */
final class RedisTestSupport {

  private RedisTestSupport() {
  }

  /** The {@code "redis"} block of the shared standalone server or cluster, under a fresh key prefix. */
  static JsonObject block(boolean cluster) {
    return cluster ? block(true, RedisServers.cluster()) : block(false, List.of(RedisServers.standalone()));
  }

  /** The {@code "redis"} block of these servers (e.g. a test's own), under a fresh key prefix. */
  static JsonObject block(boolean cluster, List<String> endpoints) {
    return new JsonObject()
        .put("keyPrefix", "t" + UUID.randomUUID().toString().substring(0, 8) + ":")
        .put("maxPoolSize", 4)
        .put("mode", cluster ? "cluster" : "standalone")
        .put("endpoints", new JsonArray(endpoints));
  }

  static Future<RedisStores> open(Vertx vertx, boolean cluster, Duration retention, Clock clock) {
    return RedisStores.open(vertx, block(cluster), retention, clock);
  }

  static Future<RedisStores> open(Vertx vertx, boolean cluster, Clock clock) {
    return open(vertx, cluster, RedisReceiptStore.DEFAULT_RETENTION, clock);
  }

  /** A client of its own (its own pool and connections), as another node of the region would have. */
  static RedisChannel client(Vertx vertx, boolean cluster) {
    return RedisChannel.create(vertx, RedisConfig.fromJson(block(cluster)).toOptions());
  }

  /** Key names under a fresh prefix. */
  static RedisKeys keys() {
    return new RedisKeys(block(false).getString("keyPrefix"));
  }
}
