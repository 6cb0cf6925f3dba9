package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link MessageStore} on Cassandra; the tables are described in {@link io.lattice.store.cassandra}.
 *
 * <h2>Sequence numbers across nodes</h2>
 * The next seq of (conversation, source region) is claimed with a lightweight transaction on that pair's row of
 * {@code seq_counters}: {@code INSERT ... IF NOT EXISTS} for the first message, then
 * {@code UPDATE ... IF last_seq = <the value read>}, at the configured serial consistency (LOCAL_SERIAL: the
 * region's own datacenter; only the region appends its own messages, so no other datacenter competes). Paxos makes
 * the compare-and-set linearizable, so two nodes can never both take seq n; the loser reads the row again at the
 * serial level and retries with n+1 (up to {@value #MAX_CLAIM_ATTEMPTS} times, with a small random backoff). Within
 * one node, appends to one (conversation, region) are queued so they do not fight each other through Paxos.
 *
 * <p>The winning row carries the whole message (last_*), and the Lamport timestamp is chosen in the same
 * compare-and-set: above the previous claim's, above the conversation's clock (every message stored, replicated
 * ones included) and at least the proposal. So per source region seq order and canonical order agree.
 *
 * <p>After the claim the message is written to the read tables in one LOGGED batch (all of them or, after a
 * coordinator failure, all of them once the batchlog is replayed), together with the previous claim's message:
 * if the node that claimed seq n died before writing it, the claim of n+1 writes it, so sync never waits at a gap
 * left by a dead writer. A retry of the same id finds its own claim in the counter row and completes it.
 *
 * <h2>Clocks without read-before-write</h2>
 * {@code conversation_clocks} and {@code lamport_max} are maximum registers: written with
 * {@code USING TIMESTAMP <lamport>}, so Cassandra's last-write-wins keeps the highest Lamport no matter the order
 * the writes arrive in. {@code lamport_max} is spread over {@value #LAMPORT_SHARDS} rows (by conversation) so that no
 * single partition takes every write; {@link #maxLamport()} reads those rows.
 */
public final class CassandraMessageStore implements MessageStore {

  /** Lamport range of one {@code messages} partition: bounds a conversation's partitions (see package doc). */
  static final long LAMPORT_BUCKET = 1L << 16;
  /** Sequence numbers per {@code messages_by_source} partition. */
  static final long SEQ_BUCKET = 4096;
  static final int LAMPORT_SHARDS = 16;
  static final int MAX_CLAIM_ATTEMPTS = 64;

  private static final String MESSAGE_COLUMNS = "message_id, conversation_id, sender_id, content, media_url, "
      + "created_at, lamport, source_region, seq";

  private final Vertx vertx;
  private final CassandraClient client;
  private final CassandraConfig config;
  private final java.util.function.Supplier<Future<Void>> release;
  private final Map<String, Future<?>> claimQueues = new HashMap<>();

  private PreparedStatement selectById;
  private PreparedStatement insertMessage;
  private PreparedStatement insertById;
  private PreparedStatement insertBySource;
  private PreparedStatement insertBucket;
  private PreparedStatement insertRegion;
  private PreparedStatement raiseClock;
  private PreparedStatement raiseMax;
  private PreparedStatement selectClock;
  private PreparedStatement selectMax;
  private PreparedStatement selectCounter;
  private PreparedStatement insertCounter;
  private PreparedStatement updateCounter;
  private PreparedStatement selectRegions;
  private PreparedStatement selectRun;
  private PreparedStatement selectBuckets;
  private PreparedStatement selectBucket;
  private PreparedStatement selectBucketBefore;
  private boolean closed;

  private CassandraMessageStore(Vertx vertx, CassandraClient client, CassandraConfig config,
                                java.util.function.Supplier<Future<Void>> release) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.release = release;
  }

  /** Prepares the statements; the schema must exist. {@code release} is run once by {@link #close()}. */
  static Future<CassandraMessageStore> create(Vertx vertx, CassandraClient client, CassandraConfig config,
                                              java.util.function.Supplier<Future<Void>> release) {
    CassandraMessageStore store = new CassandraMessageStore(vertx, client, config, release);
    return store.prepareAll().map(store);
  }

  private Future<Void> prepareAll() {
    String ks = config.keyspace() + ".";
    return Future.all(List.of(
        prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages_by_id WHERE message_id = ?")
            .onSuccess(p -> selectById = p),
        prepare("INSERT INTO " + ks + "messages (conversation_id, bucket, lamport, source_region, message_id, "
            + "sender_id, content, media_url, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .onSuccess(p -> insertMessage = p),
        prepare("INSERT INTO " + ks + "messages_by_id (" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .onSuccess(p -> insertById = p),
        prepare("INSERT INTO " + ks + "messages_by_source (conversation_id, source_region, seq_bucket, seq, "
            + "message_id, sender_id, content, media_url, created_at, lamport) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .onSuccess(p -> insertBySource = p),
        prepare("INSERT INTO " + ks + "message_buckets (conversation_id, bucket) VALUES (?, ?)")
            .onSuccess(p -> insertBucket = p),
        prepare("INSERT INTO " + ks + "conversation_regions (conversation_id, source_region) VALUES (?, ?)")
            .onSuccess(p -> insertRegion = p),
        prepare("UPDATE " + ks + "conversation_clocks USING TIMESTAMP ? SET last_lamport = ? "
            + "WHERE conversation_id = ?").onSuccess(p -> raiseClock = p),
        prepare("UPDATE " + ks + "lamport_max USING TIMESTAMP ? SET lamport = ? WHERE shard = ?")
            .onSuccess(p -> raiseMax = p),
        prepare("SELECT last_lamport FROM " + ks + "conversation_clocks WHERE conversation_id = ?")
            .onSuccess(p -> selectClock = p),
        prepare("SELECT lamport FROM " + ks + "lamport_max").onSuccess(p -> selectMax = p),
        prepare("SELECT * FROM " + ks + "seq_counters WHERE conversation_id = ? AND source_region = ?")
            .onSuccess(p -> selectCounter = p),
        prepare("INSERT INTO " + ks + "seq_counters (conversation_id, source_region, last_seq, last_lamport, "
            + "last_message_id, last_sender_id, last_content, last_media_url, last_created_at) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS").onSuccess(p -> insertCounter = p),
        prepare("UPDATE " + ks + "seq_counters SET last_seq = ?, last_lamport = ?, last_message_id = ?, "
            + "last_sender_id = ?, last_content = ?, last_media_url = ?, last_created_at = ? "
            + "WHERE conversation_id = ? AND source_region = ? IF last_seq = ?").onSuccess(p -> updateCounter = p),
        prepare("SELECT source_region FROM " + ks + "conversation_regions WHERE conversation_id = ?")
            .onSuccess(p -> selectRegions = p),
        prepare("SELECT message_id, conversation_id, sender_id, content, media_url, created_at, lamport, "
            + "source_region, seq FROM " + ks + "messages_by_source WHERE conversation_id = ? AND source_region = ? "
            + "AND seq_bucket = ? AND seq > ? ORDER BY seq LIMIT ?").onSuccess(p -> selectRun = p),
        prepare("SELECT bucket FROM " + ks + "message_buckets WHERE conversation_id = ? AND bucket <= ? LIMIT ?")
            .onSuccess(p -> selectBuckets = p),
        prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages WHERE conversation_id = ? AND bucket = ? "
            + "LIMIT ?").onSuccess(p -> selectBucket = p),
        prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages WHERE conversation_id = ? AND bucket = ? "
            + "AND (lamport, source_region, message_id) < (?, ?, ?) LIMIT ?").onSuccess(p -> selectBucketBefore = p)
    )).mapEmpty();
  }

  private Future<PreparedStatement> prepare(String cql) {
    return client.prepare(cql);
  }

  // ---------------------------------------------------------------------------------------------------- writes

  @Override
  public Future<AppendResult> append(NewMessage m) {
    // The id check runs in the queue too, so a retry queued behind its original sees it stored.
    return queued(m.conversationId() + "\u0000" + m.sourceRegion(), () -> find(m.messageId(), true)
        .compose(stored -> stored.isPresent()
            ? Future.succeededFuture(new AppendResult(stored.get(), false))
            : claimThenWrite(m)));
  }

  /** Runs {@code op} after every earlier op of this node on the same key (its Paxos row). */
  private <T> Future<T> queued(String key, java.util.function.Supplier<Future<T>> op) {
    Future<T> result;
    synchronized (claimQueues) {
      Future<?> tail = claimQueues.get(key);
      result = tail == null ? op.get() : tail.transform(ignored -> op.get());
      claimQueues.put(key, result);
    }
    result.onComplete(ar -> {
      synchronized (claimQueues) {
        claimQueues.remove(key, result);
      }
    });
    return result;
  }

  private Future<AppendResult> claimThenWrite(NewMessage m) {
    Promise<AppendResult> promise = Promise.promise();
    claim(m, 1, promise);
    return promise.future();
  }

  private void claim(NewMessage m, int attempt, Promise<AppendResult> promise) {
    Future<Row> counterRead = client.executeWithFullFetch(selectCounter.bind(m.conversationId(), m.sourceRegion())
            .setConsistencyLevel(config.serialConsistency()))
        .map(rows -> rows.isEmpty() ? null : rows.get(0));
    Future<Long> clockRead = client.executeWithFullFetch(selectClock.bind(m.conversationId())
            .setConsistencyLevel(config.decisionConsistency()))
        .map(rows -> rows.isEmpty() ? 0L : rows.get(0).getLong("last_lamport"));
    Future.all(counterRead, clockRead).compose(both -> {
      Row counter = counterRead.result();
      Message previous = counter == null ? null : fromCounter(counter, m.conversationId(), m.sourceRegion());
      if (previous != null && previous.messageId().equals(m.messageId())) {
        // Our own claim (an earlier attempt, or a retry of the same id racing the first one): complete it.
        return write(previous, null).map(v -> new AppendResult(previous, false));
      }
      long lastSeq = previous == null ? 0 : previous.seq();
      long lastLamport = previous == null ? 0 : previous.lamport();
      long lamport = Math.max(m.proposedLamport(), Math.max(clockRead.result(), lastLamport) + 1);
      Message message = new Message(m.messageId(), m.conversationId(), m.senderId(), m.content(), m.mediaUrl(),
          m.createdAt(), lamport, m.sourceRegion(), lastSeq + 1);
      BoundStatement cas = previous == null
          ? insertCounter.bind(m.conversationId(), m.sourceRegion(), message.seq(), lamport, m.messageId(),
              m.senderId(), m.content(), m.mediaUrl(), m.createdAt())
          : updateCounter.bind(message.seq(), lamport, m.messageId(), m.senderId(), m.content(), m.mediaUrl(),
              m.createdAt(), m.conversationId(), m.sourceRegion(), lastSeq);
      return client.execute(cas.setConsistencyLevel(config.writeConsistency())
              .setSerialConsistencyLevel(config.serialConsistency()).setIdempotent(false))
          .compose(rs -> rs.wasApplied()
              ? write(message, previous).map(v -> new AppendResult(message, true))
              : Future.succeededFuture((AppendResult) null));
    }).onComplete(ar -> {
      if (ar.failed()) {
        promise.fail(ar.cause());
      } else if (ar.result() != null) {
        promise.complete(ar.result());
      } else if (attempt >= MAX_CLAIM_ATTEMPTS) {
        promise.fail(new IllegalStateException("seq claim for " + m.conversationId() + "/" + m.sourceRegion()
            + " lost " + attempt + " times in a row"));
      } else {
        // Another node took the seq: back off a little (randomised, growing) and read the row again.
        long delay = 1 + ThreadLocalRandom.current().nextLong(Math.min(50, 2L * attempt));
        vertx.setTimer(delay, t -> claim(m, attempt + 1, promise));
      }
    });
  }

  /**
   * Stores a replicated message as is. Idempotent by id; a second message with another id but the same
   * (conversation, source region, seq) replaces the first in {@code messages_by_source} (last write wins), where
   * SQLite would reject it: the source region assigns each seq once, so that only happens on corruption.
   */
  @Override
  public Future<AppendResult> upsert(Message message) {
    return find(message.messageId(), true).compose(stored -> stored.isPresent()
        ? Future.succeededFuture(new AppendResult(stored.get(), false))
        : write(message, null).map(v -> new AppendResult(message, true)));
  }

  /** One LOGGED batch: every table a message appears in, plus the clocks (see the class doc). */
  private Future<Void> write(Message m, Message alsoWrite) {
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

  // ----------------------------------------------------------------------------------------------------- reads

  @Override
  public Future<Optional<Message>> get(String messageId) {
    return find(messageId, false);
  }

  @Override
  public Future<List<Message>> getAll(Collection<String> messageIds) {
    List<Future<Optional<Message>>> reads = new ArrayList<>();
    for (String id : new LinkedHashSet<>(messageIds)) {
      reads.add(find(id, false));
    }
    return Future.all(reads).map(all -> {
      List<Message> found = new ArrayList<>(reads.size());
      for (Future<Optional<Message>> r : reads) {
        r.result().ifPresent(found::add);
      }
      return found;
    });
  }

  /** @param decision a read a write depends on: at the decision level, not the (weaker) read level */
  private Future<Optional<Message>> find(String messageId, boolean decision) {
    return client.executeWithFullFetch(selectById.bind(messageId)
            .setConsistencyLevel(decision ? config.decisionConsistency() : config.readConsistency()))
        .map(rows -> rows.isEmpty() ? Optional.empty() : Optional.of(message(rows.get(0))));
  }

  @Override
  public Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return client.executeWithFullFetch(selectRegions.bind(conversationId)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          List<Future<Deque<Message>>> runs = new ArrayList<>();
          for (Row row : rows) {
            String region = row.getString("source_region");
            runs.add(contiguousRun(conversationId, region, cursor.positionOf(region), limit + 1,
                new ArrayDeque<>()));
          }
          return Future.all(runs).map(all -> SyncPage.merge(runs.stream().map(Future::result).toList(), cursor, limit));
        });
  }

  /** The messages of one source region with seq after+1, after+2, ... up to the first gap, at most max. */
  private Future<Deque<Message>> contiguousRun(String conversationId, String region, long after, int max,
                                              Deque<Message> run) {
    long bucket = (after + 1) / SEQ_BUCKET;
    int wanted = max - run.size();
    return client.executeWithFullFetch(selectRun.bind(conversationId, region, bucket, after, wanted)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          long expected = after + 1;
          for (Row row : rows) {
            Message m = message(row);
            if (m.seq() != expected) {
              return Future.succeededFuture(run); // a gap: stop before it
            }
            run.addLast(m);
            expected++;
          }
          boolean bucketExhausted = expected == (bucket + 1) * SEQ_BUCKET;
          if (run.size() < max && bucketExhausted) {
            return contiguousRun(conversationId, region, expected - 1, max, run);
          }
          return Future.succeededFuture(run);
        });
  }

  /**
   * Walks the conversation's Lamport buckets newest first (their list is in {@code message_buckets}, so empty
   * Lamport ranges cost nothing), reading each partition in its clustering order, which is canonical order reversed.
   */
  @Override
  public Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    long fromBucket = before == null ? Long.MAX_VALUE : before.lamport() / LAMPORT_BUCKET;
    return historyFrom(conversationId, before, fromBucket, limit, new ArrayList<>());
  }

  private Future<List<Message>> historyFrom(String conversationId, CanonicalOrder.Position before, long fromBucket,
                                            int limit, List<Message> page) {
    return client.executeWithFullFetch(selectBuckets.bind(conversationId, fromBucket, 16)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          List<Long> buckets = rows.stream().map(r -> r.getLong("bucket")).toList();
          return readBuckets(conversationId, before, buckets, 0, limit, page).compose(full -> {
            if (full.size() >= limit || buckets.size() < 16) {
              return Future.succeededFuture(full);
            }
            return historyFrom(conversationId, before, buckets.get(buckets.size() - 1) - 1, limit, full);
          });
        });
  }

  private Future<List<Message>> readBuckets(String conversationId, CanonicalOrder.Position before,
                                            List<Long> buckets, int index, int limit, List<Message> page) {
    if (index >= buckets.size() || page.size() >= limit) {
      return Future.succeededFuture(page);
    }
    long bucket = buckets.get(index);
    int wanted = limit - page.size();
    BoundStatement read = before != null && bucket == before.lamport() / LAMPORT_BUCKET
        ? selectBucketBefore.bind(conversationId, bucket, before.lamport(), before.sourceRegion(),
            before.messageId(), wanted)
        : selectBucket.bind(conversationId, bucket, wanted);
    return client.executeWithFullFetch(read.setConsistencyLevel(config.readConsistency())).compose(rows -> {
      for (Row row : rows) {
        page.add(message(row));
      }
      return readBuckets(conversationId, before, buckets, index + 1, limit, page);
    });
  }

  @Override
  public Future<Long> maxLamport() {
    return client.executeWithFullFetch(selectMax.bind().setConsistencyLevel(config.decisionConsistency()))
        .map(rows -> rows.stream().mapToLong(r -> r.getLong("lamport")).max().orElse(0L));
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

  private static Message message(Row r) {
    return new Message(r.getString("message_id"), r.getString("conversation_id"), r.getString("sender_id"),
        r.getString("content"), r.getString("media_url"), r.getLong("created_at"), r.getLong("lamport"),
        r.getString("source_region"), r.getLong("seq"));
  }

  private static Message fromCounter(Row r, String conversationId, String region) {
    return new Message(r.getString("last_message_id"), conversationId, r.getString("last_sender_id"),
        r.getString("last_content"), r.getString("last_media_url"), r.getLong("last_created_at"),
        r.getLong("last_lamport"), region, r.getLong("last_seq"));
  }
}
