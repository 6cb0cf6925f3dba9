package io.lattice.store.embedded;

import io.lattice.model.Conversation;
import io.lattice.store.ConversationStore;
import io.vertx.core.Future;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link ConversationStore} on the region's SQLite file. Create and membership changes each run in one
 * {@code BEGIN IMMEDIATE} transaction, which makes them atomic across every node of the region.
 */
public final class SqliteConversationStore implements ConversationStore {

  private final SqliteDatabase db;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Takes a reference on {@code db}, given back by {@link #close()}. */
  public SqliteConversationStore(SqliteDatabase db) {
    this.db = db.retain();
  }

  @Override
  public Future<Conversation> create(Conversation conversation) {
    return db.write(c -> {
      Optional<Conversation> stored = find(c, conversation.conversationId());
      if (stored.isPresent()) {
        return stored.get();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO conversations "
          + "(conversation_id, type, title, home_region, created_at) VALUES (?, ?, ?, ?, ?)")) {
        ps.setString(1, conversation.conversationId());
        ps.setString(2, conversation.type().name());
        ps.setString(3, conversation.title());
        ps.setString(4, conversation.homeRegion());
        ps.setLong(5, conversation.createdAt());
        ps.executeUpdate();
      }
      addMembers(c, conversation.conversationId(), conversation.participants());
      return conversation;
    });
  }

  @Override
  public Future<Optional<Conversation>> get(String conversationId) {
    return db.read(c -> find(c, conversationId));
  }

  @Override
  public Future<List<Conversation>> listForUser(String userId, int limit) {
    if (limit <= 0) {
      return Future.failedFuture(new IllegalArgumentException("limit must be positive"));
    }
    return db.read(c -> {
      Map<String, Conversation> headers = new LinkedHashMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT cv.conversation_id, cv.type, cv.title, cv.home_region, "
          + "cv.created_at FROM conversation_members m JOIN conversations cv ON cv.conversation_id = m.conversation_id "
          + "WHERE m.user_id = ? ORDER BY cv.created_at DESC, cv.conversation_id DESC LIMIT ?")) {
        ps.setString(1, userId);
        ps.setInt(2, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Conversation header = header(rs);
            headers.put(header.conversationId(), header);
          }
        }
      }
      List<Conversation> result = new ArrayList<>(headers.size());
      for (Conversation header : headers.values()) {
        result.add(header.withParticipants(members(c, header.conversationId())));
      }
      return result;
    });
  }

  @Override
  public Future<Conversation> updateMembers(String conversationId, Set<String> add, Set<String> remove) {
    return db.write(c -> {
      if (find(c, conversationId).isEmpty()) {
        throw new NoSuchConversation(conversationId);
      }
      addMembers(c, conversationId, add);
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?")) {
        for (String user : remove) {
          ps.setString(1, conversationId);
          ps.setString(2, user);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return find(c, conversationId).orElseThrow();
    });
  }

  @Override
  public Future<Void> close() {
    return closed.compareAndSet(false, true) ? db.close() : Future.succeededFuture();
  }

  private static void addMembers(Connection c, String conversationId, Set<String> users) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO conversation_members (conversation_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
      for (String user : users) {
        ps.setString(1, conversationId);
        ps.setString(2, user);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static Optional<Conversation> find(Connection c, String conversationId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT conversation_id, type, title, home_region, created_at "
        + "FROM conversations WHERE conversation_id = ?")) {
      ps.setString(1, conversationId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(header(rs).withParticipants(members(c, conversationId)));
      }
    }
  }

  private static Conversation header(ResultSet rs) throws SQLException {
    return new Conversation(rs.getString(1), Conversation.Type.valueOf(rs.getString(2)), Set.of(), rs.getString(3),
        rs.getString(4), rs.getLong(5));
  }

  private static Set<String> members(Connection c, String conversationId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT user_id FROM conversation_members WHERE conversation_id = ?")) {
      ps.setString(1, conversationId);
      Set<String> members = new HashSet<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          members.add(rs.getString(1));
        }
      }
      return members;
    }
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
