package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.lattice.store.MessageStore.NewMessage;
import io.lattice.store.TestVertx;
import io.lattice.testinfra.CassandraNodes;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.cassandra.CassandraClient;
import io.vertx.cassandra.CassandraClientOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** What the contract cannot see: several nodes on one keyspace, the migration, the partition buckets. */
class CassandraStoresTest {

  private Vertx vertx;
  private CassandraNodes nodes;
  private String keyspace;
  private JsonObject block;
  private final List<CassandraStores> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    nodes = CassandraNodes.cluster(1);
    keyspace = CassandraTestKeyspaces.fresh();
    block = CassandraTestKeyspaces.block(nodes, 1, keyspace, Map.of("us-east", 1));
  }

  @AfterEach
  void tearDown() {
    try {
      if (!opened.isEmpty()) {
        await(opened.get(0).client().execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
            .setTimeout(java.time.Duration.ofSeconds(60))));
      }
      for (CassandraStores s : opened) {
        await(s.close());
      }
    } finally {
      await(vertx.close());
    }
  }

  private CassandraStores open() {
    CassandraStores stores = await(CassandraStores.open(vertx, block));
    opened.add(stores);
    return stores;
  }

  private static NewMessage message(String conversation, String id, long proposed) {
    return new NewMessage(id, conversation, "alice", "text " + id, null, 1_700_000_000_000L, proposed, "us-east");
  }

  private static Message remote(String conversation, String region, long seq, long lamport) {
    return new Message("r-" + region + "-" + seq, conversation, "bob", "from " + region, null, 1L, lamport, region,
        seq);
  }

  @Test
  void migrationRecordsItsVersionsAndIsNotRunTwice() {
    open();
    CassandraStores again = open(); // a second node starting on the migrated keyspace
    List<Row> versions = await(rawClient().executeWithFullFetch("SELECT version FROM " + keyspace
        + ".schema_version"));
    assertThat(versions).extracting(r -> r.getInt("version"))
        .containsExactlyInAnyOrderElementsOf(CassandraSchema.MIGRATIONS.stream().map(m -> m.version()).toList());
    List<Integer> appliedNow = await(new CassandraSchema(vertx, rawClient(), again.config()).migrate());
    assertThat(appliedNow).isEmpty();
  }

  /** Two sessions are two nodes of the region: only the LWT keeps their seqs apart (no shared in-process queue). */
  @Test
  void concurrentAppendsFromTwoNodesGetDistinctContiguousSeqs() {
    MessageStore a = open().messages();
    MessageStore b = open().messages();
    int perNode = 40;
    List<Future<MessageStore.AppendResult>> appends = new ArrayList<>();
    Future<List<Message>> all = Future.<Void>succeededFuture().compose(v -> {
      for (int i = 0; i < perNode; i++) {
        appends.add(a.append(message("c-two-nodes", "a-" + i, i % 5)));
        appends.add(b.append(message("c-two-nodes", "b-" + i, i % 7)));
      }
      return Future.all(appends).map(done -> appends.stream().map(f -> f.result().message()).toList());
    });
    List<Message> stored = await(all);

    assertThat(stored).extracting(Message::seq)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 2L * perNode).boxed().toList());
    List<Message> bySeq = stored.stream().sorted(Comparator.comparingLong(Message::seq)).toList();
    assertThat(bySeq).isSortedAccordingTo(CanonicalOrder.MESSAGES);
    MessageStore.SyncPage page = await(a.sync("c-two-nodes", SyncCursor.START, 1000));
    assertThat(page.messages()).containsExactlyElementsOf(bySeq);
  }

  /** A node that claimed seq n and died before writing it: the claim of n+1 writes it, so sync has no gap. */
  @Test
  void aClaimWhoseWriterDiedIsWrittenByTheNextAppend() {
    MessageStore store = open().messages();
    Message first = await(store.append(message("c-crash", "m-1", 1))).message();
    // What a node leaves when it dies between the compare-and-set and the batch: the counter row only.
    await(rawClient().execute(SimpleStatement.newInstance("UPDATE " + keyspace + ".seq_counters SET last_seq = 2, "
        + "last_lamport = 2, last_message_id = 'm-2', last_sender_id = 'alice', last_content = 'lost', "
        + "last_created_at = 5 WHERE conversation_id = 'c-crash' AND source_region = 'us-east' IF last_seq = 1")));
    assertThat(await(store.sync("c-crash", SyncCursor.START, 10)).messages()).containsExactly(first);

    Message third = await(store.append(message("c-crash", "m-3", 1))).message();

    assertThat(third.seq()).isEqualTo(3);
    assertThat(third.lamport()).isEqualTo(3);
    List<Message> synced = await(store.sync("c-crash", SyncCursor.START, 10)).messages();
    assertThat(synced).extracting(Message::messageId).containsExactly("m-1", "m-2", "m-3");
    assertThat(await(store.get("m-2"))).hasValueSatisfying(m -> assertThat(m.content()).isEqualTo("lost"));
  }

  @Test
  void aRetryOfAnIdWhoseWriterDiedCompletesTheClaim() {
    MessageStore store = open().messages();
    await(rawClient().execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".seq_counters "
        + "(conversation_id, source_region, last_seq, last_lamport, last_message_id, last_sender_id, last_content, "
        + "last_created_at) VALUES ('c-retry', 'us-east', 1, 9, 'm-x', 'alice', 'first try', 5) IF NOT EXISTS")));

    MessageStore.AppendResult retry = await(store.append(message("c-retry", "m-x", 1)));

    assertThat(retry.created()).isFalse();
    assertThat(retry.message().seq()).isEqualTo(1);
    assertThat(retry.message().lamport()).isEqualTo(9);
    assertThat(retry.message().content()).isEqualTo("first try");
    assertThat(await(store.get("m-x"))).contains(retry.message());
  }

  /** Lamports far apart land in different partitions; history walks them newest first without a gap. */
  @Test
  void historyWalksSeveralLamportBucketsAndSkipsEmptyOnes() {
    MessageStore store = open().messages();
    String c = "c-buckets";
    long span = CassandraMessageStore.LAMPORT_BUCKET;
    List<Message> all = new ArrayList<>();
    all.add(await(store.append(message(c, "m-a", 1))).message());
    all.add(await(store.upsert(remote(c, "eu-west", 1, 2))).message());
    all.add(await(store.append(message(c, "m-b", span * 3 + 5))).message()); // buckets 1 and 2 stay empty
    all.add(await(store.append(message(c, "m-c", span * 3 + 5))).message());
    for (int i = 0; i < 20; i++) {
      all.add(await(store.upsert(remote(c, "ap-south", i + 1, span * (20 + i) + 7))).message());
    }
    List<Message> newestFirst = all.stream().sorted(CanonicalOrder.MESSAGES.reversed()).toList();

    List<Message> seen = new ArrayList<>();
    CanonicalOrder.Position before = null;
    for (int pages = 0; pages < 50; pages++) {
      List<Message> page = await(store.history(c, before, 3));
      if (page.isEmpty()) {
        break;
      }
      seen.addAll(page);
      before = page.get(page.size() - 1).position();
    }
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    assertThat(await(store.history(c, null, 100))).containsExactlyElementsOf(newestFirst);
  }

  /** A source region's run continues from one messages_by_source partition into the next. */
  @Test
  void syncCrossesSeqBuckets() {
    MessageStore store = open().messages();
    String c = "c-seq-buckets";
    long boundary = CassandraMessageStore.SEQ_BUCKET;
    List<Message> stored = new ArrayList<>();
    for (long seq = boundary - 3; seq <= boundary + 3; seq++) {
      stored.add(await(store.upsert(remote(c, "eu-west", seq, seq))).message());
    }
    SyncCursor from = new SyncCursor(Map.of("eu-west", boundary - 4));
    MessageStore.SyncPage page = await(store.sync(c, from, 100));
    assertThat(page.messages()).containsExactlyElementsOf(stored);
    assertThat(page.cursor().positionOf("eu-west")).isEqualTo(boundary + 3);
    assertThat(page.hasMore()).isFalse();
  }

  private CassandraClient rawClient() {
    CassandraClientOptions options = new CassandraClientOptions().addContactPoint(
        new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(nodes.contactPoint(1).split(":")[1])));
    options.dataStaxClusterBuilder().withLocalDatacenter("us-east");
    return CassandraClient.createShared(vertx, "raw-" + keyspace, options);
  }
}
