package io.lattice.store.embedded;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.store.MutableClock;
import io.lattice.store.PresenceStore;
import io.lattice.store.PresenceStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class HazelcastPresenceStoreTest extends PresenceStoreContract {

  private static HazelcastInstance hazelcast;

  @BeforeAll
  static void startHazelcast() {
    hazelcast = EmbeddedHazelcast.start(HazelcastPresenceStoreTest.class);
  }

  @AfterAll
  static void stopHazelcast() {
    hazelcast.shutdown();
  }

  @Override
  protected Future<PresenceStore> createStore(Vertx vertx, MutableClock clock) {
    hazelcast.getMap(HazelcastPresenceStore.MAP_NAME).clear();
    return Future.succeededFuture(new HazelcastPresenceStore(vertx, hazelcast, clock));
  }
}
