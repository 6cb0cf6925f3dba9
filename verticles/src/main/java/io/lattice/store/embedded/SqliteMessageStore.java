package io.lattice.store.embedded;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.vertx.core.Future;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link MessageStore} on the region's SQLite file.
 *
 * <p>Sequence numbers and Lamport timestamps come from the counter tables, read and raised in the same
 * {@code BEGIN IMMEDIATE} transaction as the insert: the write lock is file-wide, so two nodes of the region
 * appending to one conversation at the same moment still get distinct, contiguous sequence numbers.
 *
 * <p>Second versions of a message (see {@link MessageStore}) live in {@code message_aliases}: sync reads each run
 * from {@code messages} and the aliases together; {@code messages} holds the winner.
 *
 * <p>Sync returns, per source region, only the contiguous run of sequence numbers after the cursor. A gap (a
 * replicated message that has not arrived yet while a later one has) stops that region's run: returning the later
 * message would move the cursor past the missing one and the client would never receive it. Within one source
 * region sequence order and canonical order agree, so the k-way merge of those runs is in canonical order.
 *
 * <p>History orders by SQLite's binary collation of region and id, which matches Java's {@link String#compareTo}
 * for the ASCII identifiers the system generates.
 */
public final class SqliteMessageStore implements MessageStore {

  private static final String COLUMNS = "message_id, conversation_id, sender_id, content, media_url, created_at, "
      + "lamport, source_region, seq";

  private final SqliteDatabase db;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Takes a reference on {@code db}, given back by {@link #close()}. */
  public SqliteMessageStore(SqliteDatabase db) {
    this.db = db.retain();
  }

  @Override
  public Future<AppendResult> append(NewMessage m) {
    return db.write(c -> {
      Optional<Message> stored = find(c, m.messageId());
      if (stored.isPresent()) {
        return new AppendResult(stored.get(), false);
      }
      long seq = lastSeq(c, m.conversationId(), m.sourceRegion()) + 1;
      long lamport = Math.max(m.proposedLamport(), lastLamport(c, m.conversationId()) + 1);
      Message message = new Message(m.messageId(), m.conversationId(), m.senderId(), m.content(), m.mediaUrl(),
          m.createdAt(), lamport, m.sourceRegion(), seq);
      insert(c, message);
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO unpublished (message_id, created_at) VALUES (?, ?)")) {
        ps.setString(1, message.messageId());
        ps.setLong(2, message.createdAt());
        ps.executeUpdate();
      }
      return new AppendResult(message, true);
    });
  }

  /**
   * A replicated message whose (conversation, source region, seq) is already taken by another id fails the future
   * (unique index): the source region assigns each sequence number once, so that is corruption, not a retry. A
   * second version of a stored id becomes an alias slot; if it comes first in canonical order, the messages row
   * moves to it and the old position becomes the alias.
   */
  @Override
  public Future<AppendResult> upsert(Message message) {
    return db.write(c -> {
      Optional<Message> found = find(c, message.messageId());
      if (found.isEmpty()) {
        insert(c, message);
        return new AppendResult(message, true);
      }
      Message stored = found.get();
      if (stored.sourceRegion().equals(message.sourceRegion()) && stored.seq() == message.seq()) {
        return new AppendResult(stored, false);
      }
      boolean moves = CanonicalOrder.MESSAGES.compare(message, stored) < 0;
      Message alias = moves ? stored : message;
      Message winner = moves ? message : stored;
      if (moves) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE messages SET lamport = ?, source_region = ?, seq = ? "
            + "WHERE message_id = ?")) {
          ps.setLong(1, message.lamport());
          ps.setString(2, message.sourceRegion());
          ps.setLong(3, message.seq());
          ps.setString(4, message.messageId());
          ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
            "DELETE FROM message_aliases WHERE conversation_id = ? AND source_region = ? AND seq = ?")) {
          ps.setString(1, message.conversationId());
          ps.setString(2, message.sourceRegion());
          ps.setLong(3, message.seq());
          ps.executeUpdate();
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO message_aliases (conversation_id, source_region, "
          + "seq, message_id, lamport) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        ps.setString(1, alias.conversationId());
        ps.setString(2, alias.sourceRegion());
        ps.setLong(3, alias.seq());
        ps.setString(4, alias.messageId());
        ps.setLong(5, alias.lamport());
        ps.executeUpdate();
      }
      raiseCounters(c, message);
      return new AppendResult(winner, false, moves);
    });
  }

  @Override
  public Future<List<Message>> unpublished(String sourceRegion, long createdAfter, long createdBefore, int limit) {
    return db.read(c -> {
      List<String> ids = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT message_id FROM unpublished WHERE created_at >= ? "
          + "AND created_at < ? ORDER BY created_at LIMIT ?")) {
        ps.setLong(1, createdAfter);
        ps.setLong(2, createdBefore);
        ps.setInt(3, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
          }
        }
      }
      List<Message> found = new ArrayList<>(ids.size());
      for (String id : ids) {
        find(c, id).filter(m -> m.sourceRegion().equals(sourceRegion)).ifPresent(found::add);
      }
      return found;
    });
  }

  @Override
  public Future<Void> markPublished(Collection<Message> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture();
    }
    return db.write(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM unpublished WHERE message_id = ?")) {
        for (Message m : messages) {
          ps.setString(1, m.messageId());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  @Override
  public Future<Optional<Message>> get(String messageId) {
    return db.execute(c -> find(c, messageId));
  }

  /** One worker task for the whole batch (a receipt frame may name 500 messages). */
  @Override
  public Future<List<Message>> getAll(Collection<String> messageIds) {
    List<String> ids = List.copyOf(new LinkedHashSet<>(messageIds));
    return db.read(c -> {
      List<Message> found = new ArrayList<>(ids.size());
      for (String id : ids) {
        find(c, id).ifPresent(found::add);
      }
      return found;
    });
  }

  @Override
  public Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return db.read(c -> {
      List<Deque<Message>> runs = new ArrayList<>();
      for (String region : sourceRegions(c, conversationId)) {
        Deque<Message> run = contiguousRun(c, conversationId, region, cursor.positionOf(region), limit + 1);
        if (!run.isEmpty()) {
          runs.add(run);
        }
      }
      return SyncPage.merge(runs, cursor, limit);
    });
  }

  @Override
  public Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    String order = " ORDER BY lamport DESC, source_region DESC, message_id DESC LIMIT ?";
    return db.execute(c -> {
      if (before == null) {
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT " + COLUMNS + " FROM messages WHERE conversation_id = ?" + order)) {
          ps.setString(1, conversationId);
          ps.setInt(2, limit);
          return readAll(ps);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = ?"
          + " AND (lamport, source_region, message_id) < (?, ?, ?)" + order)) {
        ps.setString(1, conversationId);
        ps.setLong(2, before.lamport());
        ps.setString(3, before.sourceRegion());
        ps.setString(4, before.messageId());
        ps.setInt(5, limit);
        return readAll(ps);
      }
    });
  }

  @Override
  public Future<Long> maxLamport() {
    // The clocks table holds each conversation's maximum, so this scans conversations rather than messages.
    return db.execute(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(last_lamport), 0) FROM conversation_clocks");
           ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  @Override
  public Future<Void> close() {
    return closed.compareAndSet(false, true) ? db.close() : Future.succeededFuture();
  }

  private static void insert(Connection c, Message m) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, m.messageId());
      ps.setString(2, m.conversationId());
      ps.setString(3, m.senderId());
      ps.setString(4, m.content());
      ps.setString(5, m.mediaUrl());
      ps.setLong(6, m.createdAt());
      ps.setLong(7, m.lamport());
      ps.setString(8, m.sourceRegion());
      ps.setLong(9, m.seq());
      ps.executeUpdate();
    }
    raiseCounters(c, m);
  }

  /** The run of m's source region reaches at least m's seq, the conversation's clock at least its Lamport. */
  private static void raiseCounters(Connection c, Message m) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO conversation_seqs (conversation_id, source_region, "
        + "last_seq) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)")) {
      ps.setString(1, m.conversationId());
      ps.setString(2, m.sourceRegion());
      ps.setLong(3, m.seq());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO conversation_clocks (conversation_id, last_lamport) "
        + "VALUES (?, ?) ON CONFLICT DO UPDATE SET last_lamport = max(last_lamport, excluded.last_lamport)")) {
      ps.setString(1, m.conversationId());
      ps.setLong(2, m.lamport());
      ps.executeUpdate();
    }
  }

  private static Optional<Message> find(Connection c, String messageId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM messages WHERE message_id = ?")) {
      ps.setString(1, messageId);
      List<Message> found = readAll(ps);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }
  }

  private static long lastSeq(Connection c, String conversationId, String region) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT last_seq FROM conversation_seqs WHERE conversation_id = ? AND source_region = ?")) {
      ps.setString(1, conversationId);
      ps.setString(2, region);
      return singleLong(ps);
    }
  }

  private static long lastLamport(Connection c, String conversationId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT last_lamport FROM conversation_clocks WHERE conversation_id = ?")) {
      ps.setString(1, conversationId);
      return singleLong(ps);
    }
  }

  private static List<String> sourceRegions(Connection c, String conversationId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT source_region FROM conversation_seqs WHERE conversation_id = ?")) {
      ps.setString(1, conversationId);
      List<String> regions = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          regions.add(rs.getString(1));
        }
      }
      return regions;
    }
  }

  /** The messages of one source region with seq = after+1, after+2, ... up to the first gap, at most max. */
  private static Deque<Message> contiguousRun(Connection c, String conversationId, String region, long after, int max)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM messages WHERE conversation_id = ? "
        + "AND source_region = ? AND seq > ? UNION ALL SELECT m.message_id, m.conversation_id, m.sender_id, "
        + "m.content, m.media_url, m.created_at, a.lamport, a.source_region, a.seq FROM message_aliases a "
        + "JOIN messages m ON m.message_id = a.message_id WHERE a.conversation_id = ? AND a.source_region = ? "
        + "AND a.seq > ? ORDER BY 9 LIMIT ?")) {
      ps.setString(1, conversationId);
      ps.setString(2, region);
      ps.setLong(3, after);
      ps.setString(4, conversationId);
      ps.setString(5, region);
      ps.setLong(6, after);
      ps.setInt(7, max);
      Deque<Message> run = new ArrayDeque<>();
      long expected = after + 1;
      for (Message m : readAll(ps)) {
        if (m.seq() != expected) {
          break;
        }
        run.addLast(m);
        expected++;
      }
      return run;
    }
  }

  private static long singleLong(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0L;
    }
  }

  private static List<Message> readAll(PreparedStatement ps) throws SQLException {
    List<Message> messages = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        messages.add(new Message(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getLong(9)));
      }
    }
    return messages;
  }
}
