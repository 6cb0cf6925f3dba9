package io.lattice.store.cassandra;

import io.lattice.store.MessageStore;
import io.lattice.store.MessageStoreContract;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The contract on a real Cassandra 5.0 node; each test has a keyspace of its own (maxLamport is store-wide). */
class CassandraMessageStoreTest extends MessageStoreContract {

  @Override
  protected Future<MessageStore> createStore(Vertx vertx) {
    return CassandraTestKeyspaces.openFresh(vertx)
        .compose(stores -> stores.conversations().close().map(v -> stores.messages()));
  }
}
