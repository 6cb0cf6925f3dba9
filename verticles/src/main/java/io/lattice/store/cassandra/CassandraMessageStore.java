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
  /** Partitions of {@code unpublished_messages}: per source region, 10 s of appends, 4 shards. */
  static final long UNPUBLISHED_BUCKET_MS = 10_000;
  static final int UNPUBLISHED_SHARDS = 4;
  /** A bucket this much older than a scan's upper bound cannot gain rows any more (appends time out before). */
  private static final long SETTLED_MS = 60_000;

  private final CassandraClient client;
  private final CassandraConfig config;
  private final Supplier<Future<Void>> release;
  private final MessageRows rows;
  private final SeqClaims claims;
  private final MessageReads reads;
  private final PreparedStatement selectMax;
  private final PreparedStatement selectUnpublished;
  /** Buckets below this were found empty once settled: later scans skip them. */
  private volatile long emptyBelowBucket = Long.MIN_VALUE;
  private boolean closed;

  private CassandraMessageStore(CassandraClient client, CassandraConfig config, Supplier<Future<Void>> release,
                                MessageRows rows, SeqClaims claims, MessageReads reads, PreparedStatement selectMax,
                                PreparedStatement selectUnpublished) {
    this.client = client;
    this.config = config;
    this.release = release;
    this.rows = rows;
    this.claims = claims;
    this.reads = reads;
    this.selectMax = selectMax;
    this.selectUnpublished = selectUnpublished;
  }

  /** Prepares the statements; the schema must exist. {@code release} is run once by {@link #close()}. */
  static Future<CassandraMessageStore> create(Vertx vertx, CassandraClient client, CassandraConfig config,
                                              Supplier<Future<Void>> release) {
    Future<MessageRows> rows = MessageRows.create(client, config);
    Future<SeqClaims> claims = rows.compose(r -> SeqClaims.create(vertx, client, config, r));
    Future<MessageReads> reads = MessageReads.create(client, config);
    Future<PreparedStatement> selectMax = client.prepare("SELECT lamport FROM " + config.keyspace() + ".lamport_max");
    Future<PreparedStatement> selectUnpublished = client.prepare("SELECT message_id FROM " + config.keyspace()
        + ".unpublished_messages WHERE source_region = ? AND bucket = ? AND shard = ?");
    return Future.all(claims, reads, selectMax, selectUnpublished).map(all -> new CassandraMessageStore(client,
        config, release, rows.result(), claims.result(), reads.result(), selectMax.result(),
        selectUnpublished.result()));
  }

  @Override
  public Future<AppendResult> append(NewMessage m) {
    return claims.append(m);
  }

  /**
   * Stores a replicated message as is. Idempotent by id; a second message with another id but the same
   * (conversation, source region, seq) replaces the first in {@code messages_by_source} (last write wins), where
   * SQLite would reject it: the source region assigns each seq once, so that only happens on corruption. A second
   * version of a stored id gets its slot in {@code messages_by_source} only, unless it comes first in canonical
   * order: then every table moves to it and the old version keeps only its slot. (With a multi-DC keyspace two
   * regions may write both versions' rows at once; {@code messages_by_id} then ends on one of them by last write
   * wins, and history may list the id twice until a later upsert moves it: clients dedupe by id.)
   */
  @Override
  public Future<AppendResult> upsert(Message message) {
    return rows.find(message.messageId(), true).compose(found -> {
      if (found.isEmpty()) {
        return rows.write(message, null).map(v -> new AppendResult(message, true));
      }
      Message stored = found.get();
      if (stored.sourceRegion().equals(message.sourceRegion()) && stored.seq() == message.seq()) {
        return Future.succeededFuture(new AppendResult(stored, false));
      }
      if (CanonicalOrder.MESSAGES.compare(message, stored) < 0) {
        return rows.move(stored, message).map(v -> new AppendResult(message, false, true));
      }
      return rows.writeAlias(message).map(v -> new AppendResult(stored, false));
    });
  }

  /**
   * Reads the 10 s buckets of {@code unpublished_messages} in the range, all shards; buckets found empty long
   * after they were written are remembered and skipped, so a steady sweep reads only the recent ones.
   */
  @Override
  public Future<List<Message>> unpublished(String sourceRegion, long createdAfter, long createdBefore, int limit) {
    long first = Math.max(MessageRows.unpublishedBucket(createdAfter), emptyBelowBucket);
    long last = MessageRows.unpublishedBucket(createdBefore);
    long settled = MessageRows.unpublishedBucket(createdBefore - SETTLED_MS);
    List<String> ids = new ArrayList<>();
    return scan(sourceRegion, first, last, settled, true, ids, limit)
        .compose(v -> getAll(ids.subList(0, Math.min(limit, ids.size()))))
        .map(messages -> messages.stream().filter(m -> m.createdAt() >= createdAfter && m.createdAt() < createdBefore)
            .toList());
  }

  private Future<Void> scan(String region, long bucket, long last, long settled, boolean prefixEmpty,
                            List<String> ids, int limit) {
    if (bucket > last || ids.size() >= limit) {
      return Future.succeededFuture();
    }
    List<Future<List<com.datastax.oss.driver.api.core.cql.Row>>> shards = new ArrayList<>();
    for (int shard = 0; shard < UNPUBLISHED_SHARDS; shard++) {
      shards.add(client.executeWithFullFetch(selectUnpublished.bind(region, bucket, shard)
          .setConsistencyLevel(config.decisionConsistency())));
    }
    return Future.all(shards).compose(all -> {
      int before = ids.size();
      for (Future<List<com.datastax.oss.driver.api.core.cql.Row>> f : shards) {
        f.result().forEach(r -> ids.add(r.getString("message_id")));
      }
      boolean empty = prefixEmpty && ids.size() == before;
      if (empty && bucket < settled) {
        emptyBelowBucket = Math.max(emptyBelowBucket, bucket + 1);
      }
      return scan(region, bucket + 1, last, settled, empty, ids, limit);
    });
  }

  @Override
  public Future<Void> markPublished(Collection<Message> messages) {
    return messages.isEmpty() ? Future.succeededFuture() : rows.deleteUnpublished(messages);
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
