package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;

/** The receipt store contract on the cluster Redis server. */
class RedisClusterReceiptStoreTest extends ReceiptStoreContract {

  @Override
  protected Future<ReceiptStore> createStore(Vertx vertx, Duration retention, MutableClock clock) {
    return RedisTestSupport.open(vertx, true, retention, clock).map(RedisStores::receipts);
  }
}
