package io.lattice.store.embedded;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.sqlite.SQLiteConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One JDBC connection to the region's SQLite file, used by one dedicated worker thread.
 *
 * <p>Why a single worker: a SQLite connection is not meant to be used by several threads at once, and SQLite
 * serialises writers anyway, so more threads would only add lock contention. Every call runs on that thread and
 * returns a Vert.x future that completes on the caller's context, so no event loop ever waits on the disk.
 *
 * <p>Why these pragmas: every node of a region (separate OS processes on one host) opens the same file. WAL lets
 * readers proceed while one writer writes; {@code busy_timeout} makes a writer wait for another process's write
 * lock instead of failing at once; {@code synchronous=NORMAL} in WAL mode survives a process crash (only an OS
 * crash can lose the last commits). Read-modify-write work uses {@code BEGIN IMMEDIATE}, which takes the write lock
 * up front: a deferred transaction that reads then writes can fail with SQLITE_BUSY when another process wrote in
 * between, and busy_timeout does not help there. WAL needs shared memory, so the file must be on a local disk, not
 * a network file system.
 *
 * <p>Sharing: {@link #open} gives the caller one reference; each store built on the database takes another
 * ({@link #retain}) and gives it back in its own {@code close()}. The connection closes when the last reference
 * is released, so the stores and the owner can be closed in any order.
 */
public final class SqliteDatabase {

  static final int BUSY_TIMEOUT_MS = 5000;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** Work run on the database thread with its connection. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T run(Connection connection) throws Exception;
  }

  private final WorkerExecutor worker;
  private final Path file;
  private final AtomicInteger references = new AtomicInteger(1);
  private Connection connection; // confined to the worker thread
  private Future<Void> closed;

  private SqliteDatabase(Vertx vertx, Path file) {
    this.file = file;
    // A unique name: shared executors with the same name share their pool, and two databases must not.
    this.worker = vertx.createSharedWorkerExecutor("lattice-sqlite-" + INSTANCES.incrementAndGet(), 1);
  }

  /** Opens (creating if needed) the file and brings its schema to the current version. */
  public static Future<SqliteDatabase> open(Vertx vertx, Path file) {
    SqliteDatabase db = new SqliteDatabase(vertx, file);
    return db.worker.<Void>executeBlocking(() -> {
      db.connect();
      return null;
    }, false).map(db).recover(failure -> db.worker.close().transform(ignored -> Future.failedFuture(failure)));
  }

  public Path file() {
    return file;
  }

  /** Runs {@code work} alone, in autocommit mode (one statement, or reads that need no common snapshot). */
  public <T> Future<T> execute(SqlWork<T> work) {
    return submit(() -> work.run(connection()));
  }

  /** Runs {@code work} in a read transaction: all its queries see the same snapshot. */
  public <T> Future<T> read(SqlWork<T> work) {
    return submit(() -> inTransaction("BEGIN DEFERRED", work));
  }

  /** Runs {@code work} in a {@code BEGIN IMMEDIATE} transaction: it holds the file's write lock throughout. */
  public <T> Future<T> write(SqlWork<T> work) {
    return submit(() -> inTransaction("BEGIN IMMEDIATE", work));
  }

  /** Takes a reference for a store built on this database. */
  public SqliteDatabase retain() {
    references.updateAndGet(n -> {
      if (n <= 0) {
        throw new IllegalStateException("database closed");
      }
      return n + 1;
    });
    return this;
  }

  /**
   * Gives back one reference (call it once per reference held: the stores guard their own); the last one closes
   * the connection and the worker. Once closed, further calls return the same future.
   */
  public synchronized Future<Void> close() {
    if (closed != null) {
      return closed;
    }
    if (references.decrementAndGet() > 0) {
      return Future.succeededFuture();
    }
    closed = worker.<Void>executeBlocking(() -> {
      if (connection != null) {
        connection.close();
        connection = null;
      }
      return null;
    }, false).eventually(worker::close);
    return closed;
  }

  private <T> Future<T> submit(Callable<T> task) {
    try {
      return worker.executeBlocking(task, false);
    } catch (RejectedExecutionException closedWorker) {
      return Future.failedFuture(new SQLException("database " + file + " is closed"));
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      throw new SQLException("database " + file + " is closed");
    }
    return connection;
  }

  private <T> T inTransaction(String begin, SqlWork<T> work) throws Exception {
    Connection c = connection();
    exec(c, begin);
    boolean committed = false;
    try {
      T result = work.run(c);
      exec(c, "COMMIT");
      committed = true;
      return result;
    } finally {
      if (!committed) {
        rollbackQuietly(c);
      }
    }
  }

  private void connect() throws Exception {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try {
      // Autocommit stays on: transactions are begun explicitly, so the driver never holds one open between calls.
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
        if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
          throw new SQLException("cannot switch " + file + " to WAL mode");
        }
      }
      exec(c, "PRAGMA synchronous=NORMAL");
      SqliteSchema.migrate(c);
      connection = c;
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      exec(c, "ROLLBACK");
    } catch (SQLException alreadyRolledBack) {
      // SQLite rolls back by itself on some errors: then there is nothing left to undo.
    }
  }
}
