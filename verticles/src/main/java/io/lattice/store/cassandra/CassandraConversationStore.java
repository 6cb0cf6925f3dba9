package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lattice.model.Conversation;
import io.lattice.store.ConversationStore;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@link ConversationStore} on Cassandra; tables in {@link io.lattice.store.cassandra}.
 *
 * <p>The {@code conversations} row is only ever written by lightweight transactions (create:
 * {@code INSERT ... IF NOT EXISTS}; membership: a single-partition conditional batch {@code ... IF EXISTS} adding
 * then removing set elements), so create is idempotent and converges, and each membership change is atomic and
 * isolated. Concurrent changes by different nodes all apply: set additions and removals are per-element cells.
 *
 * <p>{@code conversations_by_user} is an index written after the row: entries are added for the participants
 * (again on every create of an existing conversation, which repairs an index write lost to a crash) and removed
 * for those who leave. A stale entry (a crash between the row and the index) is filtered out on read by checking
 * the participant set, so {@link #listForUser} never lists a conversation the user is not in.
 */
public final class CassandraConversationStore implements ConversationStore {

  /** Index entries read beyond {@code limit}, to make up for stale ones filtered out. */
  private static final int INDEX_SLACK = 16;

  private final CassandraClient client;
  private final CassandraConfig config;
  private final Supplier<Future<Void>> release;
  private PreparedStatement insertIfAbsent;
  private PreparedStatement select;
  private PreparedStatement addMembers;
  private PreparedStatement removeMembers;
  private PreparedStatement indexAdd;
  private PreparedStatement indexRemove;
  private PreparedStatement listIndex;
  private boolean closed;

  private CassandraConversationStore(CassandraClient client, CassandraConfig config, Supplier<Future<Void>> release) {
    this.client = client;
    this.config = config;
    this.release = release;
  }

  static Future<CassandraConversationStore> create(CassandraClient client, CassandraConfig config,
                                                   Supplier<Future<Void>> release) {
    CassandraConversationStore store = new CassandraConversationStore(client, config, release);
    String ks = config.keyspace() + ".";
    return Future.all(List.of(
        client.prepare("INSERT INTO " + ks + "conversations (conversation_id, type, title, region_hint, created_at, "
            + "participants) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS").onSuccess(p -> store.insertIfAbsent = p),
        client.prepare("SELECT conversation_id, type, title, region_hint, created_at, participants FROM " + ks
            + "conversations WHERE conversation_id = ?").onSuccess(p -> store.select = p),
        client.prepare("UPDATE " + ks + "conversations SET participants = participants + ? WHERE conversation_id = ? "
            + "IF EXISTS").onSuccess(p -> store.addMembers = p),
        client.prepare("UPDATE " + ks + "conversations SET participants = participants - ? WHERE conversation_id = ? "
            + "IF EXISTS").onSuccess(p -> store.removeMembers = p),
        client.prepare("INSERT INTO " + ks + "conversations_by_user (user_id, created_at, conversation_id) "
            + "VALUES (?, ?, ?)").onSuccess(p -> store.indexAdd = p),
        client.prepare("DELETE FROM " + ks + "conversations_by_user WHERE user_id = ? AND created_at = ? "
            + "AND conversation_id = ?").onSuccess(p -> store.indexRemove = p),
        client.prepare("SELECT conversation_id FROM " + ks + "conversations_by_user WHERE user_id = ? LIMIT ?")
            .onSuccess(p -> store.listIndex = p)
    )).map(store);
  }

  @Override
  public Future<Conversation> create(Conversation c) {
    return client.execute(insertIfAbsent.bind(c.conversationId(), c.type().name(), c.title(), c.homeRegion(),
                c.createdAt(), c.participants())
            .setConsistencyLevel(config.writeConsistency()).setSerialConsistencyLevel(config.serialConsistency()))
        .compose(rs -> {
          // Not applied: the result carries the stored row, which wins (that is what makes create converge).
          Conversation stored = rs.wasApplied() ? c : conversation(rs.one());
          return index(stored, stored.participants(), Set.of()).map(stored);
        });
  }

  @Override
  public Future<Optional<Conversation>> get(String conversationId) {
    return read(conversationId, config.readConsistency());
  }

  @Override
  public Future<List<Conversation>> listForUser(String userId, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return client.executeWithFullFetch(listIndex.bind(userId, limit + INDEX_SLACK)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          List<Future<Optional<Conversation>>> reads = new ArrayList<>();
          for (Row row : rows) {
            reads.add(get(row.getString("conversation_id")));
          }
          return Future.all(reads).map(all -> {
            List<Conversation> result = new ArrayList<>();
            for (Future<Optional<Conversation>> r : reads) {
              Optional<Conversation> c = r.result();
              if (c.isPresent() && c.get().hasParticipant(userId) && result.size() < limit) {
                result.add(c.get());
              }
            }
            return result;
          });
        });
  }

  @Override
  public Future<Conversation> updateMembers(String conversationId, Set<String> add, Set<String> remove) {
    Set<String> added = new HashSet<>(add);
    added.removeAll(remove); // add then remove: a user in both ends up out
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    batch.addStatement(addMembers.bind(added, conversationId));
    if (!remove.isEmpty()) {
      batch.addStatement(removeMembers.bind(Set.copyOf(remove), conversationId));
    }
    return client.execute(batch.build().setConsistencyLevel(config.writeConsistency())
            .setSerialConsistencyLevel(config.serialConsistency()))
        .compose(rs -> {
          if (!rs.wasApplied()) {
            return Future.failedFuture(new NoSuchConversation(conversationId));
          }
          // The row after the change, read through Paxos so it includes every change committed before it.
          return read(conversationId, config.serialConsistency()).compose(stored -> {
            Conversation c = stored.orElseThrow(() -> new NoSuchConversation(conversationId));
            Set<String> gone = new HashSet<>(remove);
            gone.removeAll(c.participants());
            Set<String> present = new HashSet<>(added);
            present.retainAll(c.participants());
            return index(c, present, gone).map(c);
          });
        });
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

  private Future<Optional<Conversation>> read(String conversationId,
                                              com.datastax.oss.driver.api.core.ConsistencyLevel level) {
    return client.executeWithFullFetch(select.bind(conversationId).setConsistencyLevel(level))
        .map(rows -> rows.isEmpty() ? Optional.empty() : Optional.of(conversation(rows.get(0))));
  }

  private Future<Void> index(Conversation c, Set<String> members, Set<String> leavers) {
    if (members.isEmpty() && leavers.isEmpty()) {
      return Future.succeededFuture();
    }
    BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
    for (String user : members) {
      batch.addStatement(indexAdd.bind(user, c.createdAt(), c.conversationId()));
    }
    for (String user : leavers) {
      batch.addStatement(indexRemove.bind(user, c.createdAt(), c.conversationId()));
    }
    return client.execute(batch.build().setConsistencyLevel(config.writeConsistency()).setIdempotent(true))
        .mapEmpty();
  }

  private static Conversation conversation(Row r) {
    Set<String> participants = r.getSet("participants", String.class);
    return new Conversation(r.getString("conversation_id"), Conversation.Type.valueOf(r.getString("type")),
        participants == null ? Set.of() : participants, r.getString("title"), r.getString("region_hint"),
        r.getLong("created_at"));
  }

  /** An expected failure: no stack trace to fill. */
  private static final class NoSuchConversation extends NoSuchElementException {
    NoSuchConversation(String conversationId) {
      super("no conversation " + conversationId);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
