package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lattice.model.Message;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;

import static io.lattice.store.cassandra.CassandraMessageStore.LAMPORT_BUCKET;
import static io.lattice.store.cassandra.CassandraMessageStore.LAMPORT_SHARDS;
import static io.lattice.store.cassandra.CassandraMessageStore.SEQ_BUCKET;

/**
 * A message's rows: written to every table it appears in, with the clocks, in one LOGGED batch (all of them or,
 * after a coordinator failure, all of them once the batchlog is replayed); read back by id.
 *
 * <h2>Clocks without read-before-write</h2>
 * {@code conversation_clocks} and {@code lamport_max} are maximum registers: written with
 * {@code USING TIMESTAMP <lamport>}, so Cassandra's last-write-wins keeps the highest Lamport no matter the order
 * the writes arrive in. {@code lamport_max} is spread over {@value CassandraMessageStore#LAMPORT_SHARDS} rows (by
 * conversation) so that no single partition takes every write; {@link CassandraMessageStore#maxLamport()} reads
 * those rows.
 */
final class MessageRows {

  static final String MESSAGE_COLUMNS = "message_id, conversation_id, sender_id, content, media_url, "
      + "created_at, lamport, source_region, seq";

  private final CassandraClient client;
  private final CassandraConfig config;
  private PreparedStatement selectById;
  private PreparedStatement insertMessage;
  private PreparedStatement insertById;
  private PreparedStatement insertBySource;
  private PreparedStatement insertBucket;
  private PreparedStatement insertRegion;
  private PreparedStatement raiseClock;
  private PreparedStatement raiseMax;
  private PreparedStatement deleteMessage;
  private PreparedStatement insertUnpublished;
  private PreparedStatement deleteUnpublished;

  private MessageRows(CassandraClient client, CassandraConfig config) {
    this.client = client;
    this.config = config;
  }

  /** Prepares the statements; the schema must exist. */
  static Future<MessageRows> create(CassandraClient client, CassandraConfig config) {
    MessageRows rows = new MessageRows(client, config);
    return rows.prepareAll().map(rows);
  }

  private Future<Void> prepareAll() {
    String ks = config.keyspace() + ".";
    return Future.all(List.of(
        client.prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages_by_id WHERE message_id = ?")
            .onSuccess(p -> selectById = p),
        client.prepare("INSERT INTO " + ks + "messages (conversation_id, bucket, lamport, source_region, message_id, "
            + "sender_id, content, media_url, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .onSuccess(p -> insertMessage = p),
        client.prepare("INSERT INTO " + ks + "messages_by_id (" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, "
            + "?, ?)").onSuccess(p -> insertById = p),
        client.prepare("INSERT INTO " + ks + "messages_by_source (conversation_id, source_region, seq_bucket, seq, "
            + "message_id, sender_id, content, media_url, created_at, lamport) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .onSuccess(p -> insertBySource = p),
        client.prepare("INSERT INTO " + ks + "message_buckets (conversation_id, bucket) VALUES (?, ?)")
            .onSuccess(p -> insertBucket = p),
        client.prepare("INSERT INTO " + ks + "conversation_regions (conversation_id, source_region) VALUES (?, ?)")
            .onSuccess(p -> insertRegion = p),
        client.prepare("UPDATE " + ks + "conversation_clocks USING TIMESTAMP ? SET last_lamport = ? "
            + "WHERE conversation_id = ?").onSuccess(p -> raiseClock = p),
        client.prepare("UPDATE " + ks + "lamport_max USING TIMESTAMP ? SET lamport = ? WHERE shard = ?")
            .onSuccess(p -> raiseMax = p),
        client.prepare("DELETE FROM " + ks + "messages WHERE conversation_id = ? AND bucket = ? AND lamport = ? "
            + "AND source_region = ? AND message_id = ?").onSuccess(p -> deleteMessage = p),
        client.prepare("INSERT INTO " + ks + "unpublished_messages (source_region, bucket, shard, message_id, "
            + "created_at) VALUES (?, ?, ?, ?, ?)").onSuccess(p -> insertUnpublished = p),
        client.prepare("DELETE FROM " + ks + "unpublished_messages WHERE source_region = ? AND bucket = ? "
            + "AND shard = ? AND message_id = ?").onSuccess(p -> deleteUnpublished = p)
    )).mapEmpty();
  }

  /** One LOGGED batch: every table {@code m} appears in, plus the clocks; and {@code alsoWrite}'s, if not null. */
  Future<Void> write(Message m, Message alsoWrite) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    rows(m).forEach(batch::addStatement);
    if (alsoWrite != null) {
      rows(alsoWrite).forEach(batch::addStatement);
    }
    return execute(batch);
  }

  /** {@link #write} of a message this region just appended, which is also recorded as unpublished. */
  Future<Void> writeAppended(Message m, Message alsoWrite) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    rows(m).forEach(batch::addStatement);
    batch.addStatement(unpublishedRow(m));
    if (alsoWrite != null) {
      // A claim whose rows never got written (its node failed in between): nobody published it either.
      rows(alsoWrite).forEach(batch::addStatement);
      batch.addStatement(unpublishedRow(alsoWrite));
    }
    return execute(batch);
  }

  /** A second version of a stored message: only its slot in its source region's run (what sync reads). */
  Future<Void> writeAlias(Message alias) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    Message m = alias;
    batch.addStatement(insertBySource.bind(m.conversationId(), m.sourceRegion(), m.seq() / SEQ_BUCKET, m.seq(),
        m.messageId(), m.senderId(), m.content(), m.mediaUrl(), m.createdAt(), m.lamport()));
    batch.addStatement(insertRegion.bind(m.conversationId(), m.sourceRegion()));
    batch.addStatement(raiseClock.bind(m.lamport(), m.lamport(), m.conversationId()));
    batch.addStatement(raiseMax.bind(m.lamport(), m.lamport(),
        Math.floorMod(m.conversationId().hashCode(), LAMPORT_SHARDS)));
    return execute(batch);
  }

  /** The winner changes to {@code winner}: every table moves to it, the old history row goes, its slot stays. */
  Future<Void> move(Message old, Message winner) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    rows(winner).forEach(batch::addStatement);
    batch.addStatement(deleteMessage.bind(old.conversationId(), old.lamport() / LAMPORT_BUCKET, old.lamport(),
        old.sourceRegion(), old.messageId()));
    return execute(batch);
  }

  Future<Void> deleteUnpublished(java.util.Collection<Message> messages) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
    for (Message m : messages) {
      batch.addStatement(deleteUnpublished.bind(m.sourceRegion(), unpublishedBucket(m.createdAt()),
          unpublishedShard(m.messageId()), m.messageId()));
    }
    return execute(batch);
  }

  private BatchableStatement<?> unpublishedRow(Message m) {
    return insertUnpublished.bind(m.sourceRegion(), unpublishedBucket(m.createdAt()), unpublishedShard(m.messageId()),
        m.messageId(), m.createdAt());
  }

  static long unpublishedBucket(long createdAt) {
    return Math.floorDiv(createdAt, CassandraMessageStore.UNPUBLISHED_BUCKET_MS);
  }

  static int unpublishedShard(String messageId) {
    return Math.floorMod(messageId.hashCode(), CassandraMessageStore.UNPUBLISHED_SHARDS);
  }

  private Future<Void> execute(BatchStatementBuilder batch) {
    return client.execute(batch.build().setConsistencyLevel(config.writeConsistency()).setIdempotent(true))
        .mapEmpty();
  }

  private List<BatchableStatement<?>> rows(Message m) {
    long bucket = m.lamport() / LAMPORT_BUCKET;
    return List.of(
        insertMessage.bind(m.conversationId(), bucket, m.lamport(), m.sourceRegion(), m.messageId(), m.senderId(),
            m.content(), m.mediaUrl(), m.createdAt(), m.seq()),
        insertById.bind(m.messageId(), m.conversationId(), m.senderId(), m.content(), m.mediaUrl(), m.createdAt(),
            m.lamport(), m.sourceRegion(), m.seq()),
        insertBySource.bind(m.conversationId(), m.sourceRegion(), m.seq() / SEQ_BUCKET, m.seq(), m.messageId(),
            m.senderId(), m.content(), m.mediaUrl(), m.createdAt(), m.lamport()),
        insertBucket.bind(m.conversationId(), bucket),
        insertRegion.bind(m.conversationId(), m.sourceRegion()),
        raiseClock.bind(m.lamport(), m.lamport(), m.conversationId()),
        raiseMax.bind(m.lamport(), m.lamport(), Math.floorMod(m.conversationId().hashCode(), LAMPORT_SHARDS)));
  }

  /** @param decision a read a write depends on: at the decision level, not the (weaker) read level */
  Future<Optional<Message>> find(String messageId, boolean decision) {
    return client.executeWithFullFetch(selectById.bind(messageId)
            .setConsistencyLevel(decision ? config.decisionConsistency() : config.readConsistency()))
        .map(rows -> rows.isEmpty() ? Optional.empty() : Optional.of(message(rows.get(0))));
  }

  /** A row holding {@link #MESSAGE_COLUMNS}. */
  static Message message(Row r) {
    return new Message(r.getString("message_id"), r.getString("conversation_id"), r.getString("sender_id"),
        r.getString("content"), r.getString("media_url"), r.getLong("created_at"), r.getLong("lamport"),
        r.getString("source_region"), r.getLong("seq"));
  }
}
