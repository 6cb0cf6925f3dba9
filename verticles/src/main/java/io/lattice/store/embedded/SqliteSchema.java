package io.lattice.store.embedded;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema of the region's SQLite file as an append-only list of migrations; the layout is described in
 * {@link io.lattice.store.embedded package-info}.
 *
 * <p>Why versioned: several processes open the same file, possibly running different builds during a rolling
 * upgrade. Each migration runs once, inside {@code BEGIN IMMEDIATE}, and records its number in
 * {@code schema_version}, so concurrent openers serialise on the write lock and the second one finds nothing
 * left to do. Never edit a released migration: append a new one.
 */
final class SqliteSchema {

  private SqliteSchema() {
  }

  /** Migration {@code i + 1} is {@code MIGRATIONS.get(i)}. */
  static final List<List<String>> MIGRATIONS = List.of(List.of(
      // Messages and the per-conversation counters that append reads and raises in the same transaction.
      """
      CREATE TABLE messages (
        message_id      TEXT    NOT NULL PRIMARY KEY,
        conversation_id TEXT    NOT NULL,
        sender_id       TEXT    NOT NULL,
        content         TEXT,
        media_url       TEXT,
        created_at      INTEGER NOT NULL,
        lamport         INTEGER NOT NULL,
        source_region   TEXT    NOT NULL,
        seq             INTEGER NOT NULL
      )""",
      "CREATE UNIQUE INDEX messages_by_source ON messages (conversation_id, source_region, seq)",
      "CREATE INDEX messages_canonical ON messages (conversation_id, lamport, source_region, message_id)",
      """
      CREATE TABLE conversation_seqs (
        conversation_id TEXT    NOT NULL,
        source_region   TEXT    NOT NULL,
        last_seq        INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, source_region)
      ) WITHOUT ROWID""",
      """
      CREATE TABLE conversation_clocks (
        conversation_id TEXT    NOT NULL PRIMARY KEY,
        last_lamport    INTEGER NOT NULL
      ) WITHOUT ROWID""",
      // Conversations and their members.
      """
      CREATE TABLE conversations (
        conversation_id TEXT    NOT NULL PRIMARY KEY,
        type            TEXT    NOT NULL,
        title           TEXT,
        home_region     TEXT    NOT NULL,
        created_at      INTEGER NOT NULL
      ) WITHOUT ROWID""",
      """
      CREATE TABLE conversation_members (
        conversation_id TEXT NOT NULL,
        user_id         TEXT NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
      ) WITHOUT ROWID""",
      "CREATE INDEX conversation_members_by_user ON conversation_members (user_id, conversation_id)",
      // Receipts.
      """
      CREATE TABLE receipts (
        message_id   TEXT    NOT NULL,
        recipient_id TEXT    NOT NULL,
        sent_at      INTEGER NOT NULL,
        delivered_at INTEGER NOT NULL,
        read_at      INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (message_id, recipient_id)
      ) WITHOUT ROWID""",
      "CREATE INDEX receipts_by_update ON receipts (updated_at)"),
      // 2: second slots of messages stored by two regions, and this region's messages not yet in its log.
      List.of("""
      CREATE TABLE message_aliases (
        conversation_id TEXT    NOT NULL,
        source_region   TEXT    NOT NULL,
        seq             INTEGER NOT NULL,
        message_id      TEXT    NOT NULL,
        lamport         INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, source_region, seq)
      ) WITHOUT ROWID""",
      """
      CREATE TABLE unpublished (
        message_id TEXT    NOT NULL PRIMARY KEY,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID""",
      "CREATE INDEX unpublished_by_time ON unpublished (created_at)"));

  static int currentVersion() {
    return MIGRATIONS.size();
  }

  /** Brings the file to {@link #currentVersion()}; a no-op when it is already there. */
  static void migrate(Connection c) throws SQLException {
    SqliteDatabase.exec(c, "BEGIN IMMEDIATE");
    boolean committed = false;
    try {
      SqliteDatabase.exec(c, "CREATE TABLE IF NOT EXISTS schema_version ("
          + "version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL)");
      int version = storedVersion(c);
      if (version > currentVersion()) {
        throw new SQLException("schema version " + version + " is newer than this build knows ("
            + currentVersion() + ")");
      }
      for (int v = version + 1; v <= currentVersion(); v++) {
        try (Statement s = c.createStatement()) {
          for (String sql : MIGRATIONS.get(v - 1)) {
            s.execute(sql);
          }
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")) {
          ps.setInt(1, v);
          ps.setLong(2, System.currentTimeMillis());
          ps.executeUpdate();
        }
      }
      SqliteDatabase.exec(c, "COMMIT");
      committed = true;
    } finally {
      if (!committed) {
        try {
          SqliteDatabase.exec(c, "ROLLBACK");
        } catch (SQLException alreadyRolledBack) {
          // nothing left to undo
        }
      }
    }
  }

  static int storedVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
