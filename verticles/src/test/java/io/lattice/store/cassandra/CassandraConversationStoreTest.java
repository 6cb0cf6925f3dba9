package io.lattice.store.cassandra;

import io.lattice.store.ConversationStore;
import io.lattice.store.ConversationStoreContract;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The contract on a real Cassandra 5.0 node. The tests share one keyspace (the contract's ids and user names are
 * unique per test); each test opens its own session on it, which finds the schema migrated.
 */
class CassandraConversationStoreTest extends ConversationStoreContract {

  private static final String KEYSPACE = CassandraTestKeyspaces.fresh();

  @Override
  protected Future<ConversationStore> createStore(Vertx vertx) {
    return CassandraTestKeyspaces.open(vertx, KEYSPACE)
        .compose(stores -> stores.messages().close().map(v -> stores.conversations()));
  }
}
