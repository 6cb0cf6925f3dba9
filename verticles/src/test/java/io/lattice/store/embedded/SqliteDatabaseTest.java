package io.lattice.store.embedded;

import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.lattice.store.MessageStore.AppendResult;
import io.lattice.store.MessageStore.NewMessage;
import io.lattice.store.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** What the message contract cannot see: several nodes on one file, restarts, migrations, reference counting. */
@ExtendWith(VertxExtension.class)
class SqliteDatabaseTest {

  @TempDir
  Path dir;
  private Vertx nodeA;
  private Vertx nodeB;

  @BeforeEach
  void start() {
    nodeA = TestVertx.create();
    nodeB = TestVertx.create();
  }

  @AfterEach
  void stop() {
    await(Future.join(nodeA.close(), nodeB.close()));
  }

  private static NewMessage message(String id, String conversation) {
    return new NewMessage(id, conversation, "alice", "hi", null, 1L, 1, "us-east");
  }

  @Test
  void twoNodesOnOneFileGetDistinctContiguousSeqs() {
    Path file = dir.resolve("region.db");
    SqliteDatabase dbA = await(SqliteDatabase.open(nodeA, file));
    SqliteDatabase dbB = await(SqliteDatabase.open(nodeB, file));
    MessageStore storeA = new SqliteMessageStore(dbA);
    MessageStore storeB = new SqliteMessageStore(dbB);
    int perNode = 100;

    // Each node fires its appends from its own event loop, all at once.
    Future<List<AppendResult>> fromA = fire(nodeA, storeA, "a", perNode);
    Future<List<AppendResult>> fromB = fire(nodeB, storeB, "b", perNode);
    List<Message> stored = new ArrayList<>();
    await(fromA).forEach(r -> stored.add(r.message()));
    await(fromB).forEach(r -> stored.add(r.message()));

    assertThat(stored).extracting(Message::seq)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 2L * perNode).boxed().toList());
    assertThat(stored).extracting(Message::lamport).doesNotHaveDuplicates();
    MessageStore.SyncPage all = await(storeA.sync("c-shared", SyncCursor.START, 1000));
    assertThat(all.messages()).hasSize(2 * perNode);
    await(Future.join(storeA.close(), storeB.close(), dbA.close(), dbB.close()));
  }

  private static Future<List<AppendResult>> fire(Vertx vertx, MessageStore store, String prefix, int count) {
    Promise<List<AppendResult>> result = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<AppendResult>> appends = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        appends.add(store.append(message(prefix + "-" + i, "c-shared")));
      }
      Future.all(appends).map(done -> appends.stream().map(Future::result).toList()).onComplete(result);
    });
    return result.future();
  }

  @Test
  void messagesSurviveCloseAndReopen() {
    Path file = dir.resolve("durable.db");
    SqliteDatabase db = await(SqliteDatabase.open(nodeA, file));
    MessageStore store = new SqliteMessageStore(db);
    Message first = await(store.append(message("m-1", "c-1"))).message();
    Message second = await(store.append(new NewMessage("m-2", "c-1", "bob", "yo", "/media/k.png", 2L, 50, "us-east")))
        .message();
    await(store.close());
    await(db.close());

    SqliteDatabase reopened = await(SqliteDatabase.open(nodeB, file));
    MessageStore again = new SqliteMessageStore(reopened);
    assertThat(await(again.get("m-1"))).contains(first);
    assertThat(await(again.get("m-2"))).contains(second);
    assertThat(await(again.maxLamport())).isEqualTo(50);
    assertThat(await(again.append(message("m-3", "c-1"))).message().seq()).isEqualTo(3);
    await(again.close());
    await(reopened.close());
  }

  @Test
  void migrationRunsOnceWhateverHowManyOpenTheFile() {
    Path file = dir.resolve("schema.db");
    List<SqliteDatabase> dbs = await(Future.all(SqliteDatabase.open(nodeA, file), SqliteDatabase.open(nodeB, file),
        SqliteDatabase.open(nodeA, file))).list();
    SqliteDatabase db = dbs.get(0);
    int rows = await(db.execute(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM schema_version")) {
        rs.next();
        return rs.getInt(1);
      }
    }));
    int version = await(db.execute(SqliteSchema::storedVersion));
    assertThat(rows).isEqualTo(SqliteSchema.currentVersion());
    assertThat(version).isEqualTo(SqliteSchema.currentVersion());
    dbs.forEach(d -> await(d.close()));
  }

  @Test
  void theFileClosesWhenTheLastReferenceIsReleased() {
    SqliteDatabase db = await(SqliteDatabase.open(nodeA, dir.resolve("refs.db")));
    MessageStore store = new SqliteMessageStore(db);
    await(db.close());
    assertThat(await(store.get("m-x"))).isEmpty(); // still open: the store holds a reference

    await(store.close());
    await(store.close()); // idempotent
    assertThat(awaitFailure(db.execute(c -> 1))).isNotNull();
  }
}
