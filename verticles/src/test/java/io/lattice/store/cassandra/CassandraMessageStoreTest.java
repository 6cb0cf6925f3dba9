package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.lattice.store.MessageStore;
import io.lattice.store.MessageStoreContract;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;

import static io.lattice.store.TestVertx.await;

/**
 * The contract on a real Cassandra 5.0 node. Each test has a keyspace of its own (maxLamport is store-wide),
 * dropped after the test: hundreds of tables left behind slow a small-heap node down until it stops answering.
 */
class CassandraMessageStoreTest extends MessageStoreContract {

  private CassandraStores stores;

  @Override
  protected Future<MessageStore> createStore(Vertx vertx) {
    return CassandraTestKeyspaces.openFresh(vertx).compose(opened -> {
      stores = opened;
      return opened.conversations().close().map(v -> opened.messages());
    });
  }

  /** Runs before the contract's own @AfterEach, which closes the store. */
  @AfterEach
  void dropKeyspace() {
    if (stores != null) {
      await(stores.client().execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS "
          + stores.config().keyspace()).setTimeout(Duration.ofSeconds(60))));
    }
  }
}
