package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Cassandra production adapters of a region: one driver session (vertx-cassandra-client) shared by the
 * {@link MessageStore} and the {@link ConversationStore}, opened after the schema migration.
 *
 * <pre>{@code
 * CassandraStores.open(vertx, config.getJsonObject("cassandra")).onSuccess(stores -> {
 *   MessageStore messages = stores.messages();
 *   ConversationStore conversations = stores.conversations();
 *   ...
 *   stores.close();   // or close both stores: the session closes when both are closed
 * });
 * }</pre>
 * The configuration block is described in {@link CassandraConfig}; the tables in {@link io.lattice.store.cassandra}.
 */
public final class CassandraStores {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CassandraStores.class);
  private static final int MIGRATION_ATTEMPTS = 5;


  private final CassandraConfig config;
  private final CassandraClient client;
  private final CassandraMessageStore messages;
  private final CassandraConversationStore conversations;

  private CassandraStores(CassandraConfig config, CassandraClient client, CassandraMessageStore messages,
                          CassandraConversationStore conversations) {
    this.config = config;
    this.client = client;
    this.messages = messages;
    this.conversations = conversations;
  }

  /** Connects, creates or migrates the keyspace ({@link CassandraSchema}), prepares the statements. */
  public static Future<CassandraStores> open(Vertx vertx, JsonObject cassandraBlock) {
    CassandraConfig config;
    try {
      config = CassandraConfig.fromJson(cassandraBlock == null ? new JsonObject() : cassandraBlock);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return open(vertx, config);
  }

  public static Future<CassandraStores> open(Vertx vertx, CassandraConfig config) {
    CassandraClientOptions options = new CassandraClientOptions();
    for (InetSocketAddress point : config.contactPoints()) {
      options.addContactPoint(point);
    }
    Duration timeout = config.requestTimeout();
    options.dataStaxClusterBuilder()
        .withLocalDatacenter(config.localDatacenter())
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, timeout)
            .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, timeout)
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, timeout)
            // A DDL response waits for the driver's schema refresh, debounced by this window (default 1 s): the
            // migration's statements run one after the other, so the default made a fresh keyspace take ~15 s.
            .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ofMillis(20))
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, config.readConsistency().name())
            .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, config.serialConsistency().name())
            .build());
    CassandraClient client = CassandraClient.create(vertx, options);
    AtomicInteger references = new AtomicInteger(2);
    java.util.function.Supplier<Future<Void>> release =
        () -> references.decrementAndGet() == 0 ? client.close() : Future.succeededFuture();
    return migrateAndPrepare(vertx, new CassandraSchema(vertx, client, config), client, config, release, 1)
        .recover(failure -> client.close().transform(ignored -> Future.failedFuture(failure)));
  }

  /**
   * Nodes of several regions starting at once may run the (idempotent) migration concurrently through different
   * coordinators; Cassandra then briefly disagrees on the schema (e.g. "Unknown CF" for a table another node created
   * under another id). And a region may find a migration recorded as applied by another region before the tables
   * it created have reached this datacenter's nodes (the record replicates as data, the schema by gossip), so
   * preparing the stores' statements fails with "table ... does not exist". Either way: try again after the schema
   * settles, a few times, before failing the start.
   */
  private static Future<CassandraStores> migrateAndPrepare(Vertx vertx, CassandraSchema schema,
                                                           CassandraClient client, CassandraConfig config,
                                                           java.util.function.Supplier<Future<Void>> release,
                                                           int attempt) {
    return schema.migrate().compose(applied -> {
      Future<CassandraMessageStore> m = CassandraMessageStore.create(vertx, client, config, release);
      Future<CassandraConversationStore> c = CassandraConversationStore.create(client, config, release);
      return Future.all(m, c).map(v -> new CassandraStores(config, client, m.result(), c.result()));
    }).recover(failure -> {
      if (attempt >= MIGRATION_ATTEMPTS) {
        return Future.failedFuture(failure);
      }
      LOG.warn("schema migration or statement preparation, attempt {}, failed ({}); retrying", attempt,
          failure.toString());
      return vertx.timer(2_000L * attempt)
          .compose(t -> migrateAndPrepare(vertx, schema, client, config, release, attempt + 1));
    });
  }

  public MessageStore messages() {
    return messages;
  }

  public ConversationStore conversations() {
    return conversations;
  }

  public CassandraConfig config() {
    return config;
  }

  /** The session, for tests in this package (e.g. to drop a test keyspace). */
  CassandraClient client() {
    return client;
  }

  /** Closes both stores and so the session. */
  public Future<Void> close() {
    return Future.all(List.of(messages.close(), conversations.close())).mapEmpty();
  }
}
