package io.lattice.store.embedded;

import io.lattice.store.MessageStore;
import io.lattice.store.MessageStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteMessageStoreTest extends MessageStoreContract {

  @TempDir
  Path dir;

  @Override
  protected Future<MessageStore> createStore(Vertx vertx) {
    // The store keeps its own reference: giving ours back now lets store.close() close the file.
    return SqliteDatabase.open(vertx, dir.resolve("region.db")).map(db -> {
      MessageStore store = new SqliteMessageStore(db);
      db.close();
      return store;
    });
  }
}
