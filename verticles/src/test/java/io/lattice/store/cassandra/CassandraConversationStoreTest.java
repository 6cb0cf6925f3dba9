package io.lattice.store.cassandra;

import io.lattice.store.ConversationStore;
import io.lattice.store.ConversationStoreContract;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The contract on a real Cassandra 5.0 node; each test has a keyspace of its own. */
class CassandraConversationStoreTest extends ConversationStoreContract {

  @Override
  protected Future<ConversationStore> createStore(Vertx vertx) {
    return CassandraTestKeyspaces.openFresh(vertx)
        .compose(stores -> stores.messages().close().map(v -> stores.conversations()));
  }
}
