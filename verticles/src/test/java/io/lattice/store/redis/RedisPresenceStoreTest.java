package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.PresenceStore;
import io.lattice.store.PresenceStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** The presence store contract on the standalone Redis server, plus what is specific to the Redis adapter. */
class RedisPresenceStoreTest extends PresenceStoreContract {

  protected boolean cluster() {
    return false;
  }

  @Override
  protected Future<PresenceStore> createStore(Vertx vertx, MutableClock clock) {
    return RedisTestSupport.open(vertx, cluster(), clock).map(RedisStores::presence);
  }

  @Test
  void aRegionNameWithAColonIsRejected() {
    assertThat(awaitFailure(store.report(user("alice"), "us:east", "node-1", 1, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
