package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link MessageStore} on Cassandra; the tables are described in {@link io.lattice.store.cassandra}. The work is
 * split by concern: {@link SeqClaims} appends the region's own messages (seq claims by lightweight transaction,
 * repair of a dead writer's claim), {@link MessageRows} writes a message's rows in one batch and reads one by id,
 * {@link MessageReads} serves sync and history. This class puts them together and reads {@code lamport_max}.
 */
public final class CassandraMessageStore implements MessageStore {

  /** Lamport range of one {@code messages} partition: bounds a conversation's partitions (see package doc). */
  static final long LAMPORT_BUCKET = 1L << 16;
  /** Sequence numbers per {@code messages_by_source} partition. */
  static final long SEQ_BUCKET = 4096;
  /** Rows of {@code lamport_max}, so that no single partition takes every write. */
  static final int LAMPORT_SHARDS = 16;

  private final CassandraClient client;
  private final CassandraConfig config;
  private final Supplier<Future<Void>> release;
  private final MessageRows rows;
  private final SeqClaims claims;
  private final MessageReads reads;
  private final PreparedStatement selectMax;
  private boolean closed;

  private CassandraMessageStore(CassandraClient client, CassandraConfig config, Supplier<Future<Void>> release,
                                MessageRows rows, SeqClaims claims, MessageReads reads, PreparedStatement selectMax) {
    this.client = client;
    this.config = config;
    this.release = release;
    this.rows = rows;
    this.claims = claims;
    this.reads = reads;
    this.selectMax = selectMax;
  }

  /** Prepares the statements; the schema must exist. {@code release} is run once by {@link #close()}. */
  static Future<CassandraMessageStore> create(Vertx vertx, CassandraClient client, CassandraConfig config,
                                              Supplier<Future<Void>> release) {
    Future<MessageRows> rows = MessageRows.create(client, config);
    Future<SeqClaims> claims = rows.compose(r -> SeqClaims.create(vertx, client, config, r));
    Future<MessageReads> reads = MessageReads.create(client, config);
    Future<PreparedStatement> selectMax = client.prepare("SELECT lamport FROM " + config.keyspace() + ".lamport_max");
    return Future.all(claims, reads, selectMax).map(all -> new CassandraMessageStore(client, config, release,
        rows.result(), claims.result(), reads.result(), selectMax.result()));
  }

  @Override
  public Future<AppendResult> append(NewMessage m) {
    return claims.append(m);
  }

  /**
   * Stores a replicated message as is. Idempotent by id; a second message with another id but the same
   * (conversation, source region, seq) replaces the first in {@code messages_by_source} (last write wins), where
   * SQLite would reject it: the source region assigns each seq once, so that only happens on corruption.
   */
  @Override
  public Future<AppendResult> upsert(Message message) {
    return rows.find(message.messageId(), true).compose(stored -> stored.isPresent()
        ? Future.succeededFuture(new AppendResult(stored.get(), false))
        : rows.write(message, null).map(v -> new AppendResult(message, true)));
  }

  @Override
  public Future<Optional<Message>> get(String messageId) {
    return rows.find(messageId, false);
  }

  @Override
  public Future<List<Message>> getAll(Collection<String> messageIds) {
    List<Future<Optional<Message>>> found = new ArrayList<>();
    for (String id : new LinkedHashSet<>(messageIds)) {
      found.add(rows.find(id, false));
    }
    return Future.all(found).map(all -> {
      List<Message> messages = new ArrayList<>(found.size());
      for (Future<Optional<Message>> f : found) {
        f.result().ifPresent(messages::add);
      }
      return messages;
    });
  }

  @Override
  public Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return reads.sync(conversationId, cursor, limit);
  }

  @Override
  public Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return reads.history(conversationId, before, limit);
  }

  /** The highest Lamport of any message stored: the maximum of the {@code lamport_max} shards. */
  @Override
  public Future<Long> maxLamport() {
    return client.executeWithFullFetch(selectMax.bind().setConsistencyLevel(config.decisionConsistency()))
        .map(found -> found.stream().mapToLong(r -> r.getLong("lamport")).max().orElse(0L));
  }

  @Override
  public Future<Void> close() {
    synchronized (this) {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
    }
    return release.get();
  }
}
