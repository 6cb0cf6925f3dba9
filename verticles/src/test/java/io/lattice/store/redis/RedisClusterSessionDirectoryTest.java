package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.SessionDirectory;
import io.lattice.store.SessionDirectoryContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The session directory contract on the cluster Redis server. */
class RedisClusterSessionDirectoryTest extends SessionDirectoryContract {

  @Override
  protected Future<SessionDirectory> createStore(Vertx vertx, MutableClock clock) {
    return RedisTestSupport.open(vertx, true, clock).map(RedisStores::sessions);
  }
}
