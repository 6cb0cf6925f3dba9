package io.lattice.store.embedded;

import io.lattice.store.ConversationStore;
import io.lattice.store.ConversationStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class SqliteConversationStoreTest extends ConversationStoreContract {

  @TempDir
  Path dir;

  @Override
  protected Future<ConversationStore> createStore(Vertx vertx) {
    return SqliteDatabase.open(vertx, dir.resolve("region.db")).map(db -> {
      ConversationStore store = new SqliteConversationStore(db);
      db.close(); // the store holds its own reference
      return store;
    });
  }
}
