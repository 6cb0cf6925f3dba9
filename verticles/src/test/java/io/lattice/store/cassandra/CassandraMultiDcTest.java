package io.lattice.store.cassandra;

import io.lattice.model.Conversation;
import io.lattice.model.Ids;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import io.lattice.store.MessageStore.NewMessage;
import io.lattice.store.TestVertx;
import io.lattice.testinfra.CassandraNodes;
import io.lattice.testinfra.CassandraTestKeyspaces;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three regions, one Cassandra node per datacenter (127.0.0.1 us-east, .2 eu-west, .3 ap-northeast), one keyspace
 * replicated once in each; each region's driver coordinates only in its own datacenter. A write acknowledged at
 * LOCAL_QUORUM in one datacenter becomes readable at LOCAL_ONE in the others once replication delivers it.
 */
class CassandraMultiDcTest {

  private static Vertx vertx;
  private static final List<CassandraStores> regions = new ArrayList<>();

  @BeforeAll
  static void start() {
    vertx = TestVertx.create();
    CassandraNodes nodes = CassandraNodes.cluster(3);
    String keyspace = CassandraTestKeyspaces.fresh();
    Map<String, Integer> replication = Map.of("us-east", 1, "eu-west", 1, "ap-northeast", 1);
    // One at a time: the first creates the schema (and waits for every node to agree), the others find it.
    for (int node = 1; node <= 3; node++) {
      regions.add(await(CassandraStores.open(vertx, CassandraTestKeyspaces.block(nodes, node, keyspace,
          replication))));
    }
  }

  @AfterAll
  static void stop() {
    try {
      for (CassandraStores r : regions) {
        await(r.close());
      }
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aMessageAppendedInOneDatacenterIsReadInTheOthers() {
    MessageStore usEast = regions.get(0).messages();
    Message m = await(usEast.append(new NewMessage("m-dc-1", "c-dc", "alice", "hello from us-east", null, 1L, 7,
        "us-east"))).message();
    assertThat(regions.get(0).config().localDatacenter()).isEqualTo("us-east");

    for (int i = 1; i < 3; i++) {
      CassandraStores region = regions.get(i);
      assertThat(region.config().readConsistency().name()).isEqualTo("LOCAL_ONE");
      eventually("m-dc-1 readable in " + region.config().localDatacenter(),
          () -> await(region.messages().get("m-dc-1")).equals(Optional.of(m)));
      eventually("m-dc-1 synced in " + region.config().localDatacenter(),
          () -> await(region.messages().sync("c-dc", SyncCursor.START, 10)).messages().equals(List.of(m)));
      assertThat(await(region.messages().history("c-dc", null, 10))).containsExactly(m);
    }
  }

  @Test
  void aConversationCreatedInOneDatacenterIsListedInTheOthers() {
    Conversation c = new Conversation(Ids.newGroupId(), Conversation.Type.group, Set.of("dc-ann", "dc-ben"),
        "three regions", "eu-west", 42);
    await(regions.get(1).conversations().create(c));

    for (int i : new int[] {0, 2}) {
      CassandraStores region = regions.get(i);
      eventually("conversation readable in " + region.config().localDatacenter(),
          () -> await(region.conversations().get(c.conversationId())).equals(Optional.of(c)));
      eventually("conversation listed in " + region.config().localDatacenter(),
          () -> await(region.conversations().listForUser("dc-ben", 10)).equals(List.of(c)));
    }
  }

  /** Each region claims the seqs of its own messages (LOCAL_SERIAL), the others store them as replicas. */
  @Test
  void eachRegionNumbersItsOwnMessagesAndSeesTheOthers() {
    String conversation = "c-dc-mesh";
    List<Message> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String dc = CassandraNodes.datacenter(i + 1);
      sent.add(await(regions.get(i).messages().append(new NewMessage("m-" + dc, conversation, "u-" + dc, "hi", null,
          1L, 1, dc))).message());
    }
    assertThat(sent).extracting(Message::seq).containsOnly(1L);
    for (CassandraStores region : regions) {
      eventually("three regions' messages synced in " + region.config().localDatacenter(),
          () -> await(region.messages().sync(conversation, SyncCursor.START, 10)).messages().size() == 3);
      assertThat(await(region.messages().sync(conversation, SyncCursor.START, 10)).cursor().positions())
          .containsOnlyKeys("us-east", "eu-west", "ap-northeast");
    }
  }
}
