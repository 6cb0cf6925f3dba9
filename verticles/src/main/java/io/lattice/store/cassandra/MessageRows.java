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
            .onSuccess(p -> raiseMax = p)
    )).mapEmpty();
  }

  /** One LOGGED batch: every table {@code m} appears in, plus the clocks; and {@code alsoWrite}'s, if not null. */
  Future<Void> write(Message m, Message alsoWrite) {
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    rows(m).forEach(batch::addStatement);
    if (alsoWrite != null) {
      rows(alsoWrite).forEach(batch::addStatement);
    }
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
