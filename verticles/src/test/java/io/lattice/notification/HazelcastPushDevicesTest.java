package io.lattice.notification;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.store.PushDevicesContract;
import io.lattice.store.embedded.EmbeddedHazelcast;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The push devices contract on a single-member Hazelcast (user ids are fresh per test, so no map is cleared). */
class HazelcastPushDevicesTest extends PushDevicesContract {

  private static HazelcastInstance hazelcast;

  @BeforeAll
  static void startHazelcast() {
    hazelcast = EmbeddedHazelcast.start(HazelcastPushDevicesTest.class);
  }

  @AfterAll
  static void stopHazelcast() {
    hazelcast.shutdown();
  }

  @Override
  protected <D> PushDevices<D> createDevices(Vertx vertx, DeviceCodec<D> codec) {
    return new HazelcastPushDevices<>(vertx, hazelcast, codec);
  }
}
