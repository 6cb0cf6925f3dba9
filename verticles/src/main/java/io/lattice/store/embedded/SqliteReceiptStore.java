package io.lattice.store.embedded;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore;
import io.vertx.core.Future;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link ReceiptStore} on the region's SQLite file.
 *
 * <p>Durable on purpose: read marks that vanish after a restart upset users. A whole batch merges in one
 * {@code BEGIN IMMEDIATE} transaction (one commit instead of one per receipt); the upsert itself
 * takes the max per field, so the stored state can only grow whatever order concurrent batches commit in.
 *
 * <p>Retention: a row whose {@code updated_at} is older than the retention counts as absent (not returned, and a
 * new update starts from empty rather than from it); {@link #purgeExpired()} deletes such rows and should be
 * called periodically. A no-op merge writes nothing and so does not extend a row's life.
 */
public final class SqliteReceiptStore implements ReceiptStore {

  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

  private static final String UPSERT = """
      INSERT INTO receipts (message_id, recipient_id, sent_at, delivered_at, read_at, updated_at)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6)
      ON CONFLICT (message_id, recipient_id) DO UPDATE SET
        sent_at      = CASE WHEN receipts.updated_at < ?7 THEN excluded.sent_at
                            ELSE max(receipts.sent_at, excluded.sent_at) END,
        delivered_at = CASE WHEN receipts.updated_at < ?7 THEN excluded.delivered_at
                            ELSE max(receipts.delivered_at, excluded.delivered_at) END,
        read_at      = CASE WHEN receipts.updated_at < ?7 THEN excluded.read_at
                            ELSE max(receipts.read_at, excluded.read_at) END,
        updated_at   = excluded.updated_at
      RETURNING sent_at, delivered_at, read_at""";

  private final SqliteDatabase db;
  private final Duration retention;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Seven days of retention on the system clock. Takes a reference on {@code db}, given back by {@link #close()}. */
  public SqliteReceiptStore(SqliteDatabase db) {
    this(db, DEFAULT_RETENTION, Clock.systemUTC());
  }

  /** Takes a reference on {@code db}, given back by {@link #close()}. */
  public SqliteReceiptStore(SqliteDatabase db, Duration retention, Clock clock) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive");
    }
    this.db = db.retain();
    this.retention = retention;
    this.clock = clock;
  }

  @Override
  public Future<List<Merged>> merge(List<ReceiptUpdate> updates) {
    if (updates.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return db.write(c -> {
      long now = clock.millis();
      long cutoff = now - retention.toMillis();
      List<Merged> result = new ArrayList<>(updates.size());
      for (ReceiptUpdate update : updates) {
        ReceiptState before = current(c, update.key(), cutoff);
        if (before.covers(update.state())) {
          result.add(new Merged(update.key(), before, false));
        } else {
          result.add(new Merged(update.key(), write(c, update, now, cutoff), true));
        }
      }
      return result;
    });
  }

  @Override
  public Future<Map<String, ReceiptState>> get(String messageId) {
    return db.execute(c -> {
      long cutoff = clock.millis() - retention.toMillis();
      Map<String, ReceiptState> states = new TreeMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT recipient_id, sent_at, delivered_at, read_at "
          + "FROM receipts WHERE message_id = ? AND updated_at >= ?")) {
        ps.setString(1, messageId);
        ps.setLong(2, cutoff);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            states.put(rs.getString(1), new ReceiptState(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
          }
        }
      }
      return states;
    });
  }

  /** Deletes the rows past retention; returns how many. */
  @Override
  public Future<Integer> purgeExpired() {
    return db.execute(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM receipts WHERE updated_at < ?")) {
        ps.setLong(1, clock.millis() - retention.toMillis());
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public Future<Void> close() {
    return closed.compareAndSet(false, true) ? db.close() : Future.succeededFuture();
  }

  private static ReceiptState current(Connection c, ReceiptKey key, long cutoff) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT sent_at, delivered_at, read_at FROM receipts "
        + "WHERE message_id = ? AND recipient_id = ? AND updated_at >= ?")) {
      ps.setString(1, key.messageId());
      ps.setString(2, key.recipientId());
      ps.setLong(3, cutoff);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new ReceiptState(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : ReceiptState.EMPTY;
      }
    }
  }

  private static ReceiptState write(Connection c, ReceiptUpdate update, long now, long cutoff) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
      ps.setString(1, update.key().messageId());
      ps.setString(2, update.key().recipientId());
      ps.setLong(3, update.state().sentAt());
      ps.setLong(4, update.state().deliveredAt());
      ps.setLong(5, update.state().readAt());
      ps.setLong(6, now);
      ps.setLong(7, cutoff);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new ReceiptState(rs.getLong(1), rs.getLong(2), rs.getLong(3));
      }
    }
  }
}
