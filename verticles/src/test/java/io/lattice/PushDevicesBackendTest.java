package io.lattice;

import io.lattice.e2e.support.TestClient;
import io.lattice.notification.DeviceCodec;
import io.lattice.notification.HazelcastPushDevices;
import io.lattice.store.TestVertx;
import io.lattice.store.redis.RedisPushDevices;
import io.lattice.store.redis.RedisStores;
import io.lattice.testinfra.RedisServers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code backends.pushDevices} picks where a node keeps the devices registered over HTTP: Hazelcast by default,
 * Redis on request, where a region started afresh (new clients on the same prefix) still finds them.
 */
class PushDevicesBackendTest {

  @Test
  void hazelcastIsTheDefault() throws Exception {
    try (InProcessNode node = InProcessNode.start(new JsonObject())) {
      assertThat(node.stores.devices().fcm()).isInstanceOf(HazelcastPushDevices.class);
    }
  }

  @Test
  void redisKeepsTheDevicesAcrossARestartOfTheRegion() throws Exception {
    JsonObject redis = new JsonObject().put("mode", "standalone")
        .put("endpoints", new JsonArray().add(RedisServers.standalone()))
        .put("keyPrefix", "t" + UUID.randomUUID().toString().substring(0, 8) + ":");
    String dave = TestClient.uniqueUser("dave");
    String token = "fcm-token-" + "y".repeat(40);
    try (InProcessNode node = InProcessNode.start(new JsonObject().put("redis", redis)
        .put("backends", new JsonObject().put("pushDevices", "redis")))) {
      assertThat(node.stores.devices().fcm()).isInstanceOf(RedisPushDevices.class);
      assertThat(node.stores.devices().webPush()).isInstanceOf(RedisPushDevices.class);
      try (TestClient c = TestClient.httpOnly(node.httpUrl(), dave)) {
        assertThat(c.http("POST", "/api/push/devices", new JsonObject().put("fcmToken", token)).json()
            .getBoolean("registered")).isTrue();
      }
    }
    var vertx = TestVertx.create();
    try {
      RedisStores restarted = TestVertx.await(RedisStores.open(vertx, redis, Clock.systemUTC()));
      try {
        assertThat(TestVertx.await(restarted.pushDevices(vertx, DeviceCodec.FCM).devicesOf(dave)))
            .containsExactly(token);
      } finally {
        TestVertx.await(restarted.close());
      }
    } finally {
      TestVertx.await(vertx.close());
    }
  }
}
