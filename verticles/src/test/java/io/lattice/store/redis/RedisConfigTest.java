package io.lattice.store.redis;

import io.lattice.store.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisClientType;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code "redis"} block: defaults, validation, and a clear failure when the server is unreachable. */
class RedisConfigTest {

  @Test
  void defaults() {
    RedisConfig config = RedisConfig.fromJson(new JsonObject());
    assertThat(config.mode()).isEqualTo(RedisClientType.STANDALONE);
    assertThat(config.endpoints()).containsExactly("redis://127.0.0.1:6379");
    assertThat(config.keyPrefix()).isEqualTo("lattice:");
    assertThat(config.password()).isNull();
    assertThat(config.toOptions().getMaxPoolSize()).isEqualTo(8);
  }

  @Test
  void clusterBlock() {
    RedisConfig config = RedisConfig.fromJson(new JsonObject().put("mode", "cluster")
        .put("endpoints", new JsonArray().add("redis://a:7000").add("redis://b:7000")).put("password", "pw")
        .put("maxPoolSize", 3).put("keyPrefix", ""));
    assertThat(config.toOptions().getType()).isEqualTo(RedisClientType.CLUSTER);
    assertThat(config.toOptions().getEndpoints()).isEqualTo(List.of("redis://a:7000", "redis://b:7000"));
    assertThat(config.toOptions().getPassword()).isEqualTo("pw");
    assertThat(config.toOptions().getMaxPoolSize()).isEqualTo(3);
    assertThat(config.keyPrefix()).isEmpty();
  }

  @Test
  void invalidBlocksAreRejected() {
    assertThatThrownBy(() -> RedisConfig.fromJson(new JsonObject().put("mode", "sentinel")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("standalone or cluster");
    assertThatThrownBy(() -> RedisConfig.fromJson(new JsonObject().put("endpoints", new JsonArray())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoints");
  }

  @Test
  void openFailsWhenNothingListens() {
    Vertx vertx = TestVertx.create();
    try {
      Throwable failure = TestVertx.awaitFailure(RedisStores.open(vertx,
          new JsonObject().put("endpoints", new JsonArray().add("redis://127.0.0.1:1")), Clock.systemUTC()));
      assertThat(failure).isNotNull();
    } finally {
      await(vertx.close());
    }
  }
}
