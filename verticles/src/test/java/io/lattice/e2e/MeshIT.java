package io.lattice.e2e;

import io.lattice.e2e.support.Checks;
import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.MeshCluster;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three regions (us-east, eu-west, ap-northeast) joined by Kafka over the simulated WAN, each region one node with
 * its own broker, store and Hazelcast cluster: messages, groups, receipts and presence converge across regions, a
 * WAN partition loses nothing, and a region killed with -9 catches up from its committed offsets. One mesh for the
 * class; the tests that break it (partition, kill) run last and leave it whole.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MeshIT {
  // MeshProductionIT runs these same tests with every region on the production adapters.
  private static final String US = "us-east";
  private static final String EU = "eu-west";
  private static final String AP = "ap-northeast";
  /** How long replication may take to converge (2 cores, three JVMs, each with a broker). */
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  static MeshCluster mesh;
  private final List<TestClient> clients = new ArrayList<>();

  @BeforeAll
  static void startMesh() {
    mesh = MeshCluster.builder().name("MeshIT").start();
  }

  @AfterAll
  static void stopMesh() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(TestClient::close);
    clients.clear();
  }

  private TestClient connect(String region, String user) {
    TestClient client = TestClient.connect(mesh.region(region), 0, user);
    assertThat(client.ready().getString("region")).isEqualTo(region);
    clients.add(client);
    return client;
  }

  /** The user's HTTP API in a region, without a socket (so without changing the user's presence). */
  private static TestClient reader(String region, String user) {
    return TestClient.httpOnly(mesh.region(region).httpUrl(0), user);
  }

  // --------------------------------------------------------------------------------------------------------- tests

  @Test
  @Order(1)
  void directMessagesWithinAndAcrossRegionsConverge() {
    TestClient alice = connect(US, uniqueUser("alice"));
    TestClient carol = connect(US, uniqueUser("carol"));
    TestClient bob = connect(EU, uniqueUser("bob"));
    String local = alice.createDirect(carol.userId());
    String cross = alice.createDirect(bob.userId());
    awaitConversation(cross, bob);

    for (Map.Entry<String, List<TestClient>> pair : Map.of(local, List.of(alice, carol), cross, List.of(alice, bob))
        .entrySet()) {
      String conversationId = pair.getKey();
      TestClient a = pair.getValue().get(0);
      TestClient b = pair.getValue().get(1);
      List<JsonObject> acks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        acks.add(a.sendAndAwaitAck(conversationId, "from " + a.userId() + " " + i));
        acks.add(b.sendAndAwaitAck(conversationId, "from " + b.userId() + " " + i));
      }
      acks.forEach(ack -> assertThat(ack.getLong("lamport")).as("ack %s", ack).isPositive());
      Set<String> ids = messageIds(acks);
      List<String> canonical = ids(awaitReceivedOnce(a, conversationId, ids));
      assertThat(ids(awaitReceivedOnce(b, conversationId, ids))).as("%s received, canonical order", b)
          .isEqualTo(canonical);

      Map<String, List<JsonObject>> histories = new LinkedHashMap<>();
      for (String region : MeshCluster.REGIONS) {
        histories.put(region, awaitHistory(reader(region, a.userId()), conversationId, ids));
      }
      assertSameEverywhere("history of " + conversationId, histories);
      assertThat(ids(histories.get(US))).isEqualTo(canonical);
      assertThat(a.syncAll(conversationId, null, 100).messageIds()).as("sync of %s", a).isEqualTo(canonical);
      assertThat(b.syncAll(conversationId, null, 100).messageIds()).as("sync of %s", b).isEqualTo(canonical);
      assertReceivedOnce(a, conversationId, ids);
      assertReceivedOnce(b, conversationId, ids);
    }
  }

  @Test
  @Order(2)
  void groupWithMembersInEveryRegionConverges() {
    Map<TestClient, String> members = new LinkedHashMap<>();
    for (String region : MeshCluster.REGIONS) {
      for (int i = 0; i < 2; i++) {
        members.put(connect(region, uniqueUser("g" + i + "-" + region)), region);
      }
    }
    List<TestClient> all = List.copyOf(members.keySet());
    TestClient creator = all.get(0);
    String group = creator.createGroup("mesh group", all.stream().skip(1).map(TestClient::userId)
        .toArray(String[]::new));
    awaitConversation(group, all.toArray(TestClient[]::new));

    // One sender per region, all at once, 5 messages each.
    List<TestClient> senders = List.of(all.get(0), all.get(2), all.get(4));
    ExecutorService pool = Executors.newFixedThreadPool(senders.size());
    Set<String> ids = new LinkedHashSet<>();
    try {
      List<CompletableFuture<List<JsonObject>>> sending = senders.stream().map(s -> CompletableFuture.supplyAsync(() -> {
        List<JsonObject> acks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          acks.add(s.sendAndAwaitAckRetrying(group, "from " + s.userId() + " " + i));
        }
        return acks;
      }, pool)).toList();
      sending.forEach(f -> ids.addAll(messageIds(f.join())));
    } finally {
      pool.shutdownNow();
    }
    assertThat(ids).hasSize(15);

    Map<String, List<JsonObject>> received = new LinkedHashMap<>();
    for (TestClient member : all) {
      received.put(member + " in " + members.get(member), awaitReceivedOnce(member, group, ids));
    }
    assertSameEverywhere("messages received in " + group + ", in canonical order", received);
    Map<String, List<JsonObject>> histories = new LinkedHashMap<>();
    for (TestClient member : all) {
      histories.put(members.get(member), awaitHistory(member, group, ids));
    }
    assertSameEverywhere("history of " + group, histories);
    assertThat(ids(histories.get(US))).isEqualTo(ids(received.values().iterator().next()));
    all.forEach(member -> assertReceivedOnce(member, group, ids));
  }

  @Test
  @Order(3)
  void receiptsConvergeAtTheSenderAndInEveryRegion() {
    TestClient alice = connect(US, uniqueUser("alice"));
    TestClient bob = connect(EU, uniqueUser("bob"));
    String conversationId = alice.createDirect(bob.userId());
    awaitConversation(conversationId, bob);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(alice.sendAndAwaitAck(conversationId, "receipt me " + i).getString("messageId"));
    }
    awaitReceivedOnce(bob, conversationId, Set.copyOf(sent));
    String[] ids = sent.toArray(String[]::new);

    // Bob sees his own merged states (the recipient gets the frames too) before marking read.
    bob.receipt(conversationId, "delivered", ids);
    for (String id : ids) {
      bob.await(Frames.receipt(id).and(positive("deliveredAt")), CONVERGE);
    }
    bob.receipt(conversationId, "read", ids);
    for (String id : ids) {
      JsonObject frame = alice.await(Frames.receipt(id).and(positive("deliveredAt")).and(positive("readAt")),
          CONVERGE);
      assertThat(frame.getString("recipientId")).isEqualTo(bob.userId());
      assertThat(frame.getString("conversationId")).isEqualTo(conversationId);
    }
    Map<String, TestClient> readers = new LinkedHashMap<>();
    MeshCluster.REGIONS.forEach(region -> readers.put(region, reader(region, alice.userId())));
    for (String id : ids) {
      awaitReceiptEverywhere(id, bob.userId(), readers,
          s -> s.getLong("deliveredAt") > 0 && s.getLong("readAt") > 0);
    }
  }

  @Test
  @Order(4)
  void presenceConvergesAcrossRegions() {
    TestClient alice = connect(US, uniqueUser("alice"));
    String bobId = uniqueUser("bob");
    alice.subscribePresence(bobId);
    alice.await(Frames.presence(bobId, false));

    int mark = alice.mark();
    TestClient bob = connect(EU, bobId);
    JsonObject online = alice.awaitFrom(mark, Frames.presence(bobId, true), CONVERGE);
    assertThat(online.getJsonObject("regions").getMap()).containsOnlyKeys(EU);
    for (String region : List.of(US, AP)) {
      TestClient reader = reader(region, alice.userId());
      Checks.eventually("bob online in eu-west, seen from " + region, CONVERGE, () -> reader.presence(bobId),
          p -> p.getBoolean("online") && p.getJsonObject("regions").fieldNames().equals(Set.of(EU)));
    }

    mark = alice.mark();
    bob.close();
    alice.awaitFrom(mark, Frames.presence(bobId, false), CONVERGE);
    for (String region : MeshCluster.REGIONS) {
      TestClient reader = reader(region, alice.userId());
      Checks.eventually("bob offline, seen from " + region, CONVERGE, () -> reader.presence(bobId),
          p -> !p.getBoolean("online"));
    }
  }

  @Test
  @Order(5)
  void partitionLosesNothingAndEverythingConvergesAfterIt() {
    TestClient alice = connect(US, uniqueUser("alice"));
    TestClient bob = connect(EU, uniqueUser("bob"));
    TestClient chen = connect(AP, uniqueUser("chen"));
    String daveId = uniqueUser("dave");
    String group = alice.createGroup("partitioned", bob.userId(), chen.userId());
    awaitConversation(group, bob, chen);
    alice.subscribePresence(daveId);
    alice.await(Frames.presence(daveId, false));

    List<JsonObject> fromAlice = new ArrayList<>();
    List<JsonObject> fromBob = new ArrayList<>();
    long cutAt = System.nanoTime();
    mesh.cut(US, EU);
    try {
      assertThat(mesh.wanStatus(US).getJsonArray("links").stream().map(JsonObject.class::cast)
          .filter(l -> l.getString("link").equals(EU)).findFirst().orElseThrow().getBoolean("cut")).isTrue();
      // Each side keeps serving its own users.
      for (int i = 0; i < 5; i++) {
        fromAlice.add(alice.sendAndAwaitAck(group, "alice during cut " + i));
        fromBob.add(bob.sendAndAwaitAck(group, "bob during cut " + i));
      }
      Set<String> all = messageIds(fromAlice);
      all.addAll(messageIds(fromBob));
      // ap-northeast still hears both sides.
      awaitReceivedOnce(chen, group, all);
      chen.receipt(group, "read", all.toArray(String[]::new));
      for (String id : all) {
        chen.await(Frames.receipt(id).and(positive("readAt")), CONVERGE);
      }
      connect(EU, daveId);
      // The scenario is a partition of ~20 s (longer than the clients' request timeouts and retry backoffs).
      long left = cutAt + TimeUnit.SECONDS.toNanos(20) - System.nanoTime();
      if (left > 0) {
        LockSupport.parkNanos(left);
      }
      // The cut is real: nothing of bob's reached us-east (a region never relays what it received).
      assertThat(ids(Checks.unwrap(alice.frames(Frames.messageIn(group)))))
          .as("bob's messages at alice during the cut").doesNotContainAnyElementsOf(messageIds(fromBob));
    } finally {
      mesh.restore(US, EU);
    }

    Set<String> all = messageIds(fromAlice);
    all.addAll(messageIds(fromBob));
    Map<String, List<JsonObject>> received = new LinkedHashMap<>();
    for (TestClient member : List.of(alice, bob, chen)) {
      received.put(member.toString(), awaitReceivedOnce(member, group, all));
    }
    assertSameEverywhere("messages received in " + group + ", in canonical order", received);
    Map<String, List<JsonObject>> histories = new LinkedHashMap<>();
    Map<String, TestClient> byRegion = Map.of(US, alice, EU, bob, AP, chen);
    for (String region : MeshCluster.REGIONS) {
      histories.put(region, awaitHistory(byRegion.get(region), group, all));
    }
    assertSameEverywhere("history of " + group, histories);
    for (TestClient member : List.of(alice, bob, chen)) {
      assertThat(member.syncAll(group, null, 100).messageIds()).as("sync of %s", member)
          .isEqualTo(ids(histories.get(US)));
    }

    // chen's read marks reach both senders and every region.
    for (JsonObject ack : fromAlice) {
      alice.await(Frames.receipt(ack.getString("messageId")).and(positive("readAt")), CONVERGE);
    }
    for (JsonObject ack : fromBob) {
      bob.await(Frames.receipt(ack.getString("messageId")).and(positive("readAt")), CONVERGE);
    }
    for (String id : all) {
      awaitReceiptEverywhere(id, chen.userId(), byRegion, s -> s.getLong("readAt") > 0);
    }
    // dave came online in eu-west during the cut: us-east learns it once the link is back.
    JsonObject daveOnline = alice.await(Frames.presence(daveId, true), CONVERGE);
    assertThat(daveOnline.getJsonObject("regions").getMap()).containsOnlyKeys(EU);
    List.of(alice, bob, chen).forEach(member -> assertReceivedOnce(member, group, all));
  }

  @Test
  @Order(6)
  void killedRegionCatchesUpFromCommittedOffsets() {
    TestClient alice = connect(US, uniqueUser("alice"));
    String bobId = uniqueUser("bob");
    TestClient bob = connect(EU, bobId);
    String conversationId = alice.createDirect(bobId);
    awaitConversation(conversationId, bob);
    String first = alice.sendAndAwaitAck(conversationId, "before the crash").getString("messageId");
    awaitReceivedOnce(bob, conversationId, Set.of(first));
    String cursor = bob.syncAll(conversationId, null, 100).cursor();
    bob.close();

    mesh.kill(EU);
    List<JsonObject> acks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      acks.add(alice.sendAndAwaitAck(conversationId, "while eu-west is down " + i));
    }
    mesh.restart(EU);
    long readyAt = System.nanoTime();

    Set<String> all = messageIds(acks);
    all.add(first);
    List<JsonObject> usHistory = awaitHistory(alice, conversationId, all);
    TestClient bobAgain = connect(EU, bobId);
    List<JsonObject> euHistory = awaitHistory(bobAgain, conversationId, all);
    // Its bridges rejoin their consumer groups at once, not when the killed incarnation's sessions time out.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readyAt))
        .as("ms eu-west took to catch up once ready").isLessThan(15_000);
    assertSameEverywhere("history of " + conversationId, Map.of(US, usHistory, EU, euHistory));
    List<String> missed = ids(usHistory).stream().filter(id -> !id.equals(first)).toList();
    assertThat(bobAgain.syncAll(conversationId, cursor, 100).messageIds()).as("bob's sync from his cursor")
        .isEqualTo(missed);
    Map<String, Integer> dups = Checks.duplicates(Checks.counts(Checks.unwrap(bobAgain.frames(
        Frames.messageIn(conversationId))), m -> m.getString("messageId")));
    assertThat(dups).as("messages delivered twice to bob after the restart").isEmpty();
  }

  // ------------------------------------------------------------------------------------------------------- helpers

  private static Frames.Match positive(String field) {
    return Frames.of(field + ">0", f -> f.getLong(field) > 0);
  }

  private static Set<String> messageIds(List<JsonObject> acks) {
    Set<String> ids = new LinkedHashSet<>();
    acks.forEach(a -> ids.add(a.getString("messageId")));
    return ids;
  }

  private static List<String> ids(List<JsonObject> messages) {
    return Checks.ids(messages);
  }

  /** Until every member can read the conversation in its own region (replicated there) with every participant. */
  private static void awaitConversation(String conversationId, TestClient... members) {
    Set<String> participants = new LinkedHashSet<>();
    for (TestClient member : members) {
      participants.add(member.userId());
    }
    for (TestClient member : members) {
      Checks.eventually(conversationId + " readable by " + member, CONVERGE,
          () -> member.get("/api/conversations/" + conversationId),
          r -> r.status() == 200 && r.json().getJsonArray("participants").getList().containsAll(participants));
    }
  }

  /**
   * Waits until the client received a message frame for every id, then checks that it received each exactly once
   * and nothing else in the conversation; returns the messages in canonical order.
   */
  private static List<JsonObject> awaitReceivedOnce(TestClient client, String conversationId, Set<String> ids) {
    for (String id : ids) {
      client.await(Frames.message(id), CONVERGE);
    }
    return assertReceivedOnce(client, conversationId, ids);
  }

  private static List<JsonObject> assertReceivedOnce(TestClient client, String conversationId, Set<String> ids) {
    List<JsonObject> messages = Checks.unwrap(client.frames(Frames.messageIn(conversationId)));
    Map<String, Integer> counts = Checks.counts(messages, m -> m.getString("messageId"));
    assertThat(Checks.duplicates(counts)).as("messages %s received more than once", client).isEmpty();
    assertThat(counts.keySet()).as("messages %s received in %s", client, conversationId)
        .containsExactlyInAnyOrderElementsOf(ids);
    return messages.stream().sorted(Checks.CANONICAL).toList();
  }

  /**
   * Waits until the history the member reads in its region holds exactly these messages; checks it has no
   * duplicates and is newest first; returns it in canonical order.
   */
  private static List<JsonObject> awaitHistory(TestClient member, String conversationId, Set<String> ids) {
    List<JsonObject> newestFirst = Checks.eventually("history of " + conversationId + " read by " + member
        + " holds " + ids.size() + " messages", CONVERGE, () -> member.fullHistory(conversationId, 200),
        h -> Set.copyOf(ids(h)).equals(ids) || h.size() > ids.size());
    assertThat(Checks.duplicates(Checks.counts(newestFirst, m -> m.getString("messageId"))))
        .as("history of %s read by %s: duplicates", conversationId, member).isEmpty();
    assertThat(ids(newestFirst)).as("history of %s read by %s", conversationId, member)
        .containsExactlyInAnyOrderElementsOf(ids);
    Checks.assertStrictlyReverseCanonical("history read by " + member, newestFirst);
    List<JsonObject> canonical = new ArrayList<>(newestFirst);
    Collections.reverse(canonical);
    return canonical;
  }

  /**
   * Waits until the recipient's receipt state of the message, read in each region (key) by a participant (value),
   * satisfies {@code done}; then checks it is the same state in every region.
   */
  private static void awaitReceiptEverywhere(String messageId, String recipient, Map<String, TestClient> readers,
                                             Predicate<JsonObject> done) {
    Map<String, List<JsonObject>> states = new LinkedHashMap<>();
    readers.forEach((region, reader) -> states.put(region, List.of(Checks.eventually("receipt of " + messageId
        + " by " + recipient + " in " + region, CONVERGE,
        () -> reader.receipts(messageId).getJsonObject("receipts").getJsonObject(recipient),
        s -> s != null && done.test(s)))));
    assertSameEverywhere("receipt of " + messageId + " by " + recipient, states);
  }

  /** Every entry's list equals the first one's, message for message (every field). */
  private static void assertSameEverywhere(String what, Map<String, List<JsonObject>> byPlace) {
    Map.Entry<String, List<JsonObject>> reference = byPlace.entrySet().iterator().next();
    byPlace.forEach((place, list) -> assertThat(list).as("%s: %s vs %s", what, place, reference.getKey())
        .isEqualTo(reference.getValue()));
  }
}
