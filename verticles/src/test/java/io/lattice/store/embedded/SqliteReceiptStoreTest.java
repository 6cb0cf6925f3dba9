package io.lattice.store.embedded;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.MutableClock;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

class SqliteReceiptStoreTest extends ReceiptStoreContract {

  @TempDir
  Path dir;

  @Override
  protected Future<ReceiptStore> createStore(Vertx vertx, Duration retention, MutableClock clock) {
    return SqliteDatabase.open(vertx, dir.resolve("region.db")).map(db -> {
      ReceiptStore store = new SqliteReceiptStore(db, retention, clock);
      db.close(); // the store holds its own reference
      return store;
    });
  }

  @Test
  void purgeDeletesOnlyExpiredRows() {
    SqliteReceiptStore sqlite = (SqliteReceiptStore) store;
    await(store.merge(List.of(update(key(1, "old"), ReceiptState.read(1)))));
    clock.advance(RETENTION.minusDays(1));
    await(store.merge(List.of(update(key(1, "young"), ReceiptState.read(2)))));
    clock.advance(Duration.ofDays(2));

    assertThat(await(sqlite.purgeExpired())).isEqualTo(1);
    assertThat(await(sqlite.purgeExpired())).isZero();
    assertThat(await(store.get(message(1)))).containsOnlyKeys("young");
  }

  @Test
  void receiptsSurviveARestart() {
    await(store.merge(List.of(update(key(1, "bob"), ReceiptState.read(5)))));
    await(store.close());
    store = await(createStore(vertx, RETENTION, clock));
    assertThat(await(store.get(message(1)))).containsEntry("bob", ReceiptState.read(5));
  }
}
