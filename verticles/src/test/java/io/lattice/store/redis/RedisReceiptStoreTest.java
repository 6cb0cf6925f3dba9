package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.MutableClock;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The receipt store contract on the standalone Redis server, plus what is specific to the Redis adapter. */
class RedisReceiptStoreTest extends ReceiptStoreContract {

  private RedisStores stores;

  protected boolean cluster() {
    return false;
  }

  @Override
  protected Future<ReceiptStore> createStore(Vertx vertx, Duration retention, MutableClock clock) {
    return RedisTestSupport.open(vertx, cluster(), retention, clock).map(s -> {
      stores = s;
      return s.receipts();
    });
  }

  @AfterEach
  void closeClient() {
    await(stores.close());
  }

  @Test
  void aMessagesHashExpiresInRedisAfterTheRetentionAndPurgeHasNothingToDo() {
    await(store.merge(List.of(update(key(1, "bob"), ReceiptState.read(9)))));
    String hash = stores.config().keyPrefix() + "receipt:{m:" + message(1) + "}";
    long pttl = await(stores.client().send(Request.cmd(Command.PTTL).arg(hash))).toLong();
    assertThat(pttl).isBetween(RETENTION.toMillis() - 60_000, RETENTION.toMillis());
    assertThat(await(store.purgeExpired())).isZero();
  }
}
