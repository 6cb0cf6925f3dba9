package io.lattice.store.redis;

import io.lattice.notification.DeviceCodec;
import io.lattice.notification.PushDevices;
import io.lattice.store.PushDevicesContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The push devices contract on the standalone Redis server, plus what is specific to the Redis adapter. */
class RedisPushDevicesTest extends PushDevicesContract {

  private RedisStores stores;

  protected boolean cluster() {
    return false;
  }

  @Override
  protected <D> PushDevices<D> createDevices(Vertx vertx, DeviceCodec<D> codec) {
    if (stores == null) {
      stores = await(RedisTestSupport.open(vertx, cluster(), Clock.systemUTC()));
    }
    return stores.pushDevices(vertx, codec);
  }

  @Override
  protected void closeAdapters() {
    if (stores != null) {
      await(stores.close());
    }
  }

  @Test
  void devicesSurviveANewClientAndHaveNoTtl() {
    await(fcm.add(user("bob"), "token-phone"));
    String key = stores.config().keyPrefix() + "push:fcm:{u:" + user("bob") + "}";
    assertThat(await(stores.client().send(Request.cmd(Command.PTTL).arg(key))).toLong()).isEqualTo(-1);

    // What a restarted region sees: new clients on the same server and prefix find the devices.
    RedisStores restarted = await(RedisStores.open(vertx,
        RedisTestSupport.block(cluster()).put("keyPrefix", stores.config().keyPrefix()), Clock.systemUTC()));
    try {
      assertThat(await(restarted.pushDevices(vertx, DeviceCodec.FCM).devicesOf(user("bob"))))
          .containsExactly("token-phone");
    } finally {
      await(restarted.close());
    }
  }

  @Test
  void concurrentRegistrationsNeverPassTheCap() {
    List<Future<Boolean>> adds = new ArrayList<>();
    for (int i = 0; i < PushDevices.MAX_DEVICES_PER_USER + 10; i++) {
      adds.add(fcm.add(user("bob"), "token-" + i));
    }
    await(Future.all(adds));
    assertThat(adds.stream().filter(Future::result).count()).isEqualTo(PushDevices.MAX_DEVICES_PER_USER);
    assertThat(await(fcm.devicesOf(user("bob")))).hasSize(PushDevices.MAX_DEVICES_PER_USER);
  }
}
