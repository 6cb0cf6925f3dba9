package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.PresenceStore;
import io.lattice.store.PresenceStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The presence store contract on the standalone Redis server. */
class RedisPresenceStoreTest extends PresenceStoreContract {

  @Override
  protected Future<PresenceStore> createStore(Vertx vertx, MutableClock clock) {
    return RedisTestSupport.open(vertx, false, clock).map(RedisStores::presence);
  }
}
