package io.lattice.store.redis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code "redis"} configuration block:
 * <pre>{@code
 * "redis": {
 *   "mode": "standalone",                 // or "cluster"
 *   "endpoints": ["redis://127.0.0.1:6379"], // cluster: any subset of the masters, the rest is discovered
 *   "password": null,                     // or set in the endpoint URI: redis://:secret@host:port
 *   "maxPoolSize": 8,                     // pooled connections per server (the adapters hold one)
 *   "maxPoolWaiting": 4096,               // waiters for a pooled connection
 *   "maxWaitingHandlers": 16384,          // requests in flight on the shared connection
 *   "keyPrefix": "lattice:"               // prepended to every key (outside the hash tags)
 * }
 * }</pre>
 */
public record RedisConfig(RedisClientType mode, List<String> endpoints, String password, int maxPoolSize,
                          int maxPoolWaiting, int maxWaitingHandlers, String keyPrefix) {

  public static final String DEFAULT_ENDPOINT = "redis://127.0.0.1:6379";
  public static final String DEFAULT_KEY_PREFIX = "lattice:";

  public RedisConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("redis.endpoints must list at least one redis:// URI");
    }
    if (mode != RedisClientType.STANDALONE && mode != RedisClientType.CLUSTER) {
      throw new IllegalArgumentException("redis.mode must be standalone or cluster");
    }
    if (maxPoolSize < 1 || maxPoolWaiting < 1 || maxWaitingHandlers < 1) {
      throw new IllegalArgumentException("redis pool sizes must be positive");
    }
  }

  public static RedisConfig fromJson(JsonObject redis) {
    JsonObject block = redis == null ? new JsonObject() : redis;
    String mode = block.getString("mode", "standalone");
    RedisClientType type = switch (mode) {
      case "standalone" -> RedisClientType.STANDALONE;
      case "cluster" -> RedisClientType.CLUSTER;
      default -> throw new IllegalArgumentException("redis.mode must be standalone or cluster, was " + mode);
    };
    List<String> endpoints = new ArrayList<>();
    JsonArray list = block.getJsonArray("endpoints", new JsonArray().add(DEFAULT_ENDPOINT));
    for (int i = 0; i < list.size(); i++) {
      endpoints.add(list.getString(i));
    }
    return new RedisConfig(type, endpoints, block.getString("password"), block.getInteger("maxPoolSize", 8),
        block.getInteger("maxPoolWaiting", 4096), block.getInteger("maxWaitingHandlers", 16384),
        block.getString("keyPrefix", DEFAULT_KEY_PREFIX));
  }

  public RedisOptions toOptions() {
    RedisOptions options = new RedisOptions()
        .setType(mode)
        .setEndpoints(new ArrayList<>(endpoints))
        .setMaxPoolSize(maxPoolSize)
        .setMaxPoolWaiting(maxPoolWaiting)
        .setMaxWaitingHandlers(maxWaitingHandlers);
    if (password != null) {
      options.setPassword(password);
    }
    return options;
  }
}
