package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lattice.model.Message;
import io.lattice.store.MessageStore.AppendResult;
import io.lattice.store.MessageStore.NewMessage;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Appends of the region's own messages: the next seq of (conversation, source region) claimed with a lightweight
 * transaction on that pair's row of {@code seq_counters}, and the repair of a claim whose writer died.
 *
 * <h2>Sequence numbers across nodes</h2>
 * {@code INSERT ... IF NOT EXISTS} for the first message, then {@code UPDATE ... IF last_seq = <the value read>},
 * at the configured serial consistency (LOCAL_SERIAL: the region's own datacenter; only the region appends its own
 * messages, so no other datacenter competes). Paxos makes the compare-and-set linearizable, so two nodes can never
 * both take seq n; the loser reads the row again at the serial level and retries with n+1 (up to
 * {@value #MAX_CLAIM_ATTEMPTS} times, with a small random backoff). Within one node, appends to one (conversation,
 * region) are queued so they do not fight each other through Paxos.
 *
 * <p>The winning row carries the whole message (last_*), and the Lamport timestamp is chosen in the same
 * compare-and-set: above the previous claim's, above the conversation's clock (every message stored, replicated
 * ones included) and at least the proposal. So per source region seq order and canonical order agree.
 *
 * <h2>Crash repair</h2>
 * After the claim the message is written by {@link MessageRows#write} together with the previous claim's message:
 * if the node that claimed seq n died before writing it, the claim of n+1 writes it, so sync never waits at a gap
 * left by a dead writer. A retry of the same id finds its own claim in the counter row and completes it.
 */
final class SeqClaims {

  static final int MAX_CLAIM_ATTEMPTS = 64;

  private final Vertx vertx;
  private final CassandraClient client;
  private final CassandraConfig config;
  private final MessageRows rows;
  private final Map<String, Future<?>> claimQueues = new HashMap<>();
  private PreparedStatement selectClock;
  private PreparedStatement selectCounter;
  private PreparedStatement insertCounter;
  private PreparedStatement updateCounter;

  private SeqClaims(Vertx vertx, CassandraClient client, CassandraConfig config, MessageRows rows) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.rows = rows;
  }

  /** Prepares the statements; the schema must exist. */
  static Future<SeqClaims> create(Vertx vertx, CassandraClient client, CassandraConfig config, MessageRows rows) {
    SeqClaims claims = new SeqClaims(vertx, client, config, rows);
    return claims.prepareAll().map(claims);
  }

  private Future<Void> prepareAll() {
    String ks = config.keyspace() + ".";
    return Future.all(List.of(
        client.prepare("SELECT last_lamport FROM " + ks + "conversation_clocks WHERE conversation_id = ?")
            .onSuccess(p -> selectClock = p),
        client.prepare("SELECT * FROM " + ks + "seq_counters WHERE conversation_id = ? AND source_region = ?")
            .onSuccess(p -> selectCounter = p),
        client.prepare("INSERT INTO " + ks + "seq_counters (conversation_id, source_region, last_seq, last_lamport, "
            + "last_message_id, last_sender_id, last_content, last_media_url, last_created_at) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS").onSuccess(p -> insertCounter = p),
        client.prepare("UPDATE " + ks + "seq_counters SET last_seq = ?, last_lamport = ?, last_message_id = ?, "
            + "last_sender_id = ?, last_content = ?, last_media_url = ?, last_created_at = ? "
            + "WHERE conversation_id = ? AND source_region = ? IF last_seq = ?").onSuccess(p -> updateCounter = p)
    )).mapEmpty();
  }

  /** Stores a message of this region under the next seq, unless its id is already stored. */
  Future<AppendResult> append(NewMessage m) {
    // The id check runs in the queue too, so a retry queued behind its original sees it stored.
    return queued(m.conversationId() + "\u0000" + m.sourceRegion(), () -> rows.find(m.messageId(), true)
        .compose(stored -> stored.isPresent()
            ? Future.succeededFuture(new AppendResult(stored.get(), false))
            : claimThenWrite(m)));
  }

  /** Runs {@code op} after every earlier op of this node on the same key (its Paxos row). */
  private <T> Future<T> queued(String key, Supplier<Future<T>> op) {
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
        .map(found -> found.isEmpty() ? null : found.get(0));
    Future<Long> clockRead = client.executeWithFullFetch(selectClock.bind(m.conversationId())
            .setConsistencyLevel(config.decisionConsistency()))
        .map(found -> found.isEmpty() ? 0L : found.get(0).getLong("last_lamport"));
    Future.all(counterRead, clockRead).compose(both -> {
      Row counter = counterRead.result();
      Message previous = counter == null ? null : fromCounter(counter, m.conversationId(), m.sourceRegion());
      if (previous != null && previous.messageId().equals(m.messageId())) {
        // Our own claim (an earlier attempt, or a retry of the same id racing the first one): complete it.
        return rows.writeAppended(previous, null).map(v -> new AppendResult(previous, false));
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
              ? rows.writeAppended(message, previous).map(v -> new AppendResult(message, true))
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

  /** The message that claimed the row's last_seq, carried in the row for crash repair. */
  private static Message fromCounter(Row r, String conversationId, String region) {
    return new Message(r.getString("last_message_id"), conversationId, r.getString("last_sender_id"),
        r.getString("last_content"), r.getString("last_media_url"), r.getLong("last_created_at"),
        r.getLong("last_lamport"), region, r.getLong("last_seq"));
  }
}
