package io.lattice.store.embedded;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.store.MutableClock;
import io.lattice.store.SessionDirectory;
import io.lattice.store.SessionDirectoryContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class HazelcastSessionDirectoryTest extends SessionDirectoryContract {

  private static HazelcastInstance hazelcast;

  @BeforeAll
  static void startHazelcast() {
    hazelcast = EmbeddedHazelcast.start(HazelcastSessionDirectoryTest.class);
  }

  @AfterAll
  static void stopHazelcast() {
    hazelcast.shutdown();
  }

  @Override
  protected Future<SessionDirectory> createStore(Vertx vertx, MutableClock clock) {
    hazelcast.getMap(HazelcastSessionDirectory.MAP_NAME).clear();
    return Future.succeededFuture(new HazelcastSessionDirectory(vertx, hazelcast, clock));
  }
}
