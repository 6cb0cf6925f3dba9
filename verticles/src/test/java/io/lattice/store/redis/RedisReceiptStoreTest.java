package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;

/** The receipt store contract on the standalone Redis server. */
class RedisReceiptStoreTest extends ReceiptStoreContract {

  @Override
  protected Future<ReceiptStore> createStore(Vertx vertx, Duration retention, MutableClock clock) {
    return RedisTestSupport.open(vertx, false, retention, clock).map(RedisStores::receipts);
  }
}
