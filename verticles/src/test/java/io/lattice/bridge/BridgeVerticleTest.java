package io.lattice.bridge;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.kafka.EmbeddedKafka;
import io.lattice.kafka.KafkaTopics;
import io.lattice.model.Addresses;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.model.Topics;
import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.lattice.store.PresenceStore;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.lattice.store.TestVertx;
import io.lattice.store.embedded.EmbeddedHazelcast;
import io.lattice.store.embedded.HazelcastPresenceStore;
import io.lattice.store.embedded.SqliteConversationStore;
import io.lattice.store.embedded.SqliteDatabase;
import io.lattice.store.embedded.SqliteMessageStore;
import io.lattice.store.embedded.SqliteReceiptStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two regions, each with its own embedded Kafka: us-east publishes what it originated to its cluster, eu-west's
 * bridge pulls it into eu-west's stores (SQLite + Hazelcast presence). Convergence, idempotence (duplicates stored and
 * notified once), loop protection (a record marked eu-west in us-east's cluster is ignored), and resumption from the
 * committed offsets after the bridge is undeployed and redeployed.
 */
class BridgeVerticleTest {
  // A broker whose directory the test framework deletes after a failed test would otherwise halt the test JVM
  // (Kafka halts on a log directory failure) and take every later test class down with it.
  static {
    org.apache.kafka.common.utils.Exit.setHaltProcedure((status, message) -> {
      throw new IllegalStateException("Kafka asked to halt the JVM (" + status + "): " + message);
    });
  }


  private static final String US = "us-east";
  private static final String EU = "eu-west";
  private static final Duration CONVERGE = Duration.ofSeconds(45);
  private static final List<String> CONVERSATIONS = List.of("g-one", "g-two", "g-three");

  @TempDir
  Path temp;

  private Vertx vertx;
  private EmbeddedKafka usKafka;
  private EmbeddedKafka euKafka;
  private HazelcastInstance hazelcast;
  private SqliteDatabase db;
  private MessageStore messages;
  private ConversationStore conversations;
  private ReceiptStore receipts;
  private PresenceStore presence;
  private RegionPublisher usPublisher;
  private RegionPublisher misconfigured;
  private final Map<String, AtomicInteger> notifications = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    Future<EmbeddedKafka> us = EmbeddedKafka.start(vertx, temp.resolve("us-east/kafka"));
    Future<EmbeddedKafka> eu = EmbeddedKafka.start(vertx, temp.resolve("eu-west/kafka"));
    hazelcast = EmbeddedHazelcast.start(BridgeVerticleTest.class);
    usKafka = await(us);
    euKafka = await(eu);
    await(KafkaTopics.ensure(vertx, usKafka.bootstrapServers(), ReplicationRecords.topicSpecs(3, (short) 1)));
    await(KafkaTopics.ensure(vertx, euKafka.bootstrapServers(), ReplicationRecords.topicSpecs(3, (short) 1)));

    db = await(SqliteDatabase.open(vertx, temp.resolve("eu-west/region.db")));
    messages = new SqliteMessageStore(db);
    conversations = new SqliteConversationStore(db);
    receipts = new SqliteReceiptStore(db);
    await(db.close()); // each store holds its own reference
    presence = new HazelcastPresenceStore(vertx, hazelcast, clock);

    usPublisher = new RegionPublisher(vertx, US, usKafka.bootstrapServers());
    // An eu-west publisher wrongly pointed at us-east's cluster: what it writes must never come back to eu-west.
    misconfigured = new RegionPublisher(vertx, EU, usKafka.bootstrapServers());

    await(vertx.eventBus().<JsonObject>localConsumer(Addresses.REPLICATED_MESSAGE, msg ->
        notifications.computeIfAbsent(msg.body().getString("messageId"), k -> new AtomicInteger())
            .incrementAndGet()).completion());
  }

  @AfterEach
  void tearDown() {
    // Bridges first (their consumers leave the group while the broker is up), then clients, stores, brokers.
    await(Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()));
    List<Future<?>> closing = new ArrayList<>();
    if (usPublisher != null) {
      closing.add(usPublisher.close());
    }
    if (misconfigured != null) {
      closing.add(misconfigured.close());
    }
    await(Future.join(closing));
    if (messages != null) {
      await(Future.join(messages.close(), conversations.close(), receipts.close()));
    }
    List<Future<?>> brokers = new ArrayList<>();
    if (usKafka != null) {
      brokers.add(usKafka.stop());
    }
    if (euKafka != null) {
      brokers.add(euKafka.stop());
    }
    await(Future.join(brokers));
    if (hazelcast != null) {
      hazelcast.shutdown();
    }
    await(vertx.close());
  }

  @Test
  void should_converge_idempotently_and_resume_from_committed_offsets() throws Exception {
    long begin = System.nanoTime();
    long now = clock.millis();

    // us-east: conversations (one of them changes members: version 2 wins), 200 messages over 3 conversations,
    // receipts, presence.
    Map<String, Conversation> convs = new HashMap<>();
    for (String id : CONVERSATIONS) {
      Conversation c = new Conversation(id, Conversation.Type.group, Set.of("alice", "bob", "carol"), "title " + id,
          US, now);
      convs.put(id, c);
      await(usPublisher.publishConversation(c, 1));
    }
    Conversation changed = convs.get("g-two").withParticipants(Set.of("alice", "bob", "dave"));
    convs.put("g-two", changed);
    await(usPublisher.publishConversation(changed, 2));

    Map<String, Long> seqs = new HashMap<>();
    List<Message> sent = new ArrayList<>();
    long[] lamport = {0};
    Supplier<Message> next = () -> {
      int i = sent.size();
      String conv = CONVERSATIONS.get(i % CONVERSATIONS.size());
      long seq = seqs.merge(conv, 1L, Long::sum);
      lamport[0] += 1 + (i % 3);
      Message m = new Message("m-" + i, conv, i % 2 == 0 ? "alice" : "bob", "hello " + i, null, now + i,
          lamport[0], US, seq);
      sent.add(m);
      return m;
    };
    List<Future<?>> acks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      acks.add(usPublisher.publishMessage(next.get()));
    }
    // Published twice (a producer retry after a lost ack, a republish after a crash): stored and notified once.
    for (int i = 0; i < 20; i++) {
      acks.add(usPublisher.publishMessage(sent.get(i * 7)));
    }
    await(Future.all(acks));

    // eu-west already has a delivered mark for m-0/bob and its own presence slot for bob: both are merged, not
    // overwritten.
    await(receipts.merge(List.of(new ReceiptUpdate(new ReceiptKey("m-0", "bob"), ReceiptState.delivered(4)))));
    PresenceSlot euSlot = await(presence.report("bob", EU, "n1", 1, Duration.ofMinutes(10))).slots().get(EU);
    await(usPublisher.publishReceipts(List.of(
        new ReceiptUpdate(new ReceiptKey("m-0", "bob"), new ReceiptState(3, 0, 7)),
        new ReceiptUpdate(new ReceiptKey("m-0", "carol"), new ReceiptState(3, 5, 0)),
        new ReceiptUpdate(new ReceiptKey("m-1", "alice"), ReceiptState.sent(2)))));
    PresenceSlot usSlot = new PresenceSlot(2, 5, now + 600_000);
    await(usPublisher.publishPresence("bob", usSlot));

    // Loop protection: records claiming eu-west as their source, in us-east's cluster.
    Message foreign = new Message("m-foreign", "g-one", "eve", "loop", null, now, 1, EU, 1);
    await(misconfigured.publishMessage(foreign));
    await(misconfigured.publishPresence("eve", new PresenceSlot(9, 9, now + 600_000)));
    // The publisher refuses what its region did not originate.
    assertThat(TestVertx.awaitFailure(usPublisher.publishMessage(foreign)))
        .isInstanceOf(IllegalArgumentException.class);

    BridgeVerticle first = bridge();
    String firstId = deploy(first);

    eventually("200 messages notified", () -> notifications.size() == 200);
    eventually("receipts merged", () -> await(receipts.get("m-0")).get("bob").readAt() == 7
        && await(receipts.get("m-1")).containsKey("alice"));
    eventually("presence merged", () -> await(presence.get("bob")).slots().containsKey(US));
    eventually("g-two at version 2", () -> await(conversations.get("g-two")).map(Conversation::participants)
        .orElse(Set.of()).contains("dave"));

    assertConverged(sent, convs);
    assertThat(await(receipts.get("m-0"))).containsOnly(
        Map.entry("bob", new ReceiptState(3, 4, 7)),
        Map.entry("carol", new ReceiptState(3, 5, 0)));
    assertThat(await(receipts.get("m-1"))).containsOnly(Map.entry("alice", ReceiptState.sent(2)));
    PresenceState bob = await(presence.get("bob"));
    assertThat(bob.slots()).containsEntry(US, usSlot).containsEntry(EU, euSlot);
    assertThat(bob.liveCount(clock.millis())).isEqualTo(3);
    assertThat(await(messages.get("m-foreign"))).as("own region's record ignored").isEmpty();
    assertThat(await(presence.get("eve")).slots()).as("own region's presence ignored").isEmpty();

    await(vertx.undeploy(firstId));
    // Undeploy lets the batch in flight finish and commit: the group's offsets are at the end of every partition.
    Map<TopicPartition, Long> committed = committedOffsets();
    assertThat(committed).isEqualTo(endOffsets());
    assertThat(sum(committed, Topics.MESSAGE_SENT)).isEqualTo(200 + 20 + 1);
    assertThat(first.messagesNotified()).isEqualTo(200);
    assertThat(first.recordsSkipped()).isEqualTo(2);

    // While the bridge is down, us-east goes on.
    acks.clear();
    for (int i = 0; i < 50; i++) {
      acks.add(usPublisher.publishMessage(next.get()));
    }
    await(Future.all(acks));

    BridgeVerticle second = bridge();
    deploy(second);
    eventually("250 messages notified", () -> notifications.size() == 250);
    eventually("the 50 new records committed", () -> sum(committedOffsets(), Topics.MESSAGE_SENT) == 271);

    assertConverged(sent, convs);
    assertThat(second.recordsApplied()).as("only the 50 records after the committed offsets were consumed")
        .isEqualTo(50);
    assertThat(second.recordsSkipped()).isZero();
    assertThat(second.messagesNotified()).isEqualTo(50);
    System.out.printf("BridgeVerticleTest: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  @Test
  void should_retry_a_failed_batch_without_committing_and_apply_each_message_once() throws Exception {
    long now = clock.millis();
    List<Message> sent = new ArrayList<>();
    List<Future<?>> acks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Message m = new Message("m-" + i, "g-one", "alice", "hi " + i, null, now + i, i + 1, US, i + 1);
      sent.add(m);
      acks.add(usPublisher.publishMessage(m));
    }
    await(Future.all(acks));
    // The store fails m-37 three times (a disk full, a lock timeout...): its batch is retried, never committed
    // past it while it fails, and the messages of the batch applied before the failure are not notified twice.
    AtomicInteger failuresLeft = new AtomicInteger(3);
    MessageStore flaky = new FlakyMessageStore(messages, "m-37", failuresLeft);
    BridgeVerticle bridge = new BridgeVerticle(EU, List.of(new BridgeVerticle.RemoteRegion(US,
        usKafka.bootstrapServers())), flaky, conversations, receipts, presence, clock);
    deploy(bridge, new JsonObject().put("retryBaseMs", 20).put("retryMaxMs", 100));

    eventually("60 messages notified", () -> notifications.size() == 60);
    eventually("all committed", () -> sum(committedOffsets(), Topics.MESSAGE_SENT) == 60);
    assertThat(failuresLeft.get()).isLessThanOrEqualTo(0);
    assertThat(bridge.recordsApplied()).as("the failed batch was re-applied").isGreaterThan(60);
    assertThat(bridge.messagesNotified()).isEqualTo(60);
    assertThat(notifications.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
    assertThat(await(messages.sync("g-one", SyncCursor.START, 500)).messages()).containsExactlyElementsOf(sent);
  }

  /**
   * A remote link commits through the WAN, and nothing is fetched during a commit: it commits what it applied at most
   * once per {@code commitIntervalMs}, and everything at stop.
   */
  @Test
  void should_commit_at_most_once_per_interval_and_everything_at_stop() throws Exception {
    long now = clock.millis();
    List<Future<?>> acks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      acks.add(usPublisher.publishMessage(new Message("m-" + i, "g-one", "alice", "hi", null, now + i, i + 1, US, i + 1)));
    }
    await(Future.all(acks));
    BridgeVerticle bridge = bridge();
    String id = deploy(bridge, new JsonObject().put("commitIntervalMs", 600_000));
    eventually("first 10 settled", () -> bridge.recordsSettled() == 10);
    long firstCommitted = sum(committedOffsets(), Topics.MESSAGE_SENT);
    assertThat(bridge.commits()).as("only the first batch committed").isEqualTo(1);

    acks.clear();
    for (int i = 10; i < 20; i++) {
      acks.add(usPublisher.publishMessage(new Message("m-" + i, "g-one", "alice", "hi", null, now + i, i + 1, US, i + 1)));
    }
    await(Future.all(acks));
    eventually("20 settled", () -> bridge.recordsSettled() == 20);
    assertThat(bridge.commits()).as("no commit before the interval").isEqualTo(1);
    assertThat(sum(committedOffsets(), Topics.MESSAGE_SENT)).isEqualTo(firstCommitted).isLessThan(20);
    assertThat(notifications).hasSize(20);

    await(vertx.undeploy(id));
    assertThat(sum(committedOffsets(), Topics.MESSAGE_SENT)).as("committed at stop").isEqualTo(20);
  }

  /**
   * The live path: us-east pushes targeted traffic into eu-west's own cluster; eu-west's bridge applies what is
   * addressed to it (the conversation first, then the messages, each delivered here once even when pushed twice and
   * also pulled by the durable path), delivers frames to local users only, and ignores traffic for other regions.
   * A replicated receipt that names its sender is shown to the sender connected here.
   */
  @Test
  void should_apply_live_traffic_addressed_to_this_region_once_and_deliver_it_locally() throws Exception {
    long now = clock.millis();
    await(KafkaTopics.ensure(vertx, euKafka.bootstrapServers(),
        List.of(new KafkaTopics.Spec(Topics.CROSS_REGION_SYNC, 3, (short) 1, Map.of()))));
    List<JsonObject> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    await(vertx.eventBus().<JsonObject>localConsumer(Addresses.ROUTER_DELIVER, m -> delivered.add(m.body()))
        .completion());
    LiveForwarder live = new LiveForwarder(vertx, US, Map.of(EU, euKafka.bootstrapServers(),
        "ap-northeast", euKafka.bootstrapServers()), Map.of(), clock);
    Conversation group = new Conversation("g-live", Conversation.Type.group, Set.of("alice", "bob"), null, US, now);
    Message m1 = new Message("m-live-1", "g-live", "alice", "one", null, now, 10, US, 1);
    Message m2 = new Message("m-live-2", "g-live", "alice", "two", null, now + 1, 11, US, 2);
    var toEu = new ReplicationRecords.LiveEnvelope(EU, US, List.of("bob"), group, List.of(m1, m2),
        new io.vertx.core.json.JsonArray());
    // Same record twice (a retry), the first message also through the durable path, and one for another region.
    await(live.forward(toEu));
    await(live.forward(toEu));
    await(usPublisher.publishMessage(m1));
    Message elsewhere = new Message("m-live-ap", "g-live", "alice", "not for eu", null, now, 12, US, 3);
    await(live.forward(new ReplicationRecords.LiveEnvelope("ap-northeast", US, List.of("chen"), group,
        List.of(elsewhere), new io.vertx.core.json.JsonArray())));
    await(live.forward(new ReplicationRecords.LiveEnvelope(EU, US, List.of("bob"), null, List.of(),
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "typing").put("userId", "alice")))));
    await(usPublisher.publishReceiptNotices(List.of(new ReplicationRecords.ReceiptNotice(
        new ReceiptUpdate(new ReceiptKey("m-live-1", "carol"), new ReceiptState(10, 20, 0)), "g-live", "alice"))));

    deploy(new BridgeVerticle(EU, euKafka.bootstrapServers(), List.of(new BridgeVerticle.RemoteRegion(US,
        usKafka.bootstrapServers())), messages, conversations, receipts, presence,
        new io.lattice.model.LamportClock(), DeliveryClaims.inMemory(), clock));

    eventually("both live messages notified", () -> notifications.containsKey("m-live-1")
        && notifications.containsKey("m-live-2"));
    eventually("typing frame and receipt delivered here", () -> delivered.size() >= 2);
    eventually("live records committed", () -> sum(committedOffsets(euKafka, BridgeVerticle.liveGroupId(EU)),
        Topics.CROSS_REGION_SYNC) == 4);
    eventually("durable copy applied", () -> sum(committedOffsets(), Topics.MESSAGE_SENT) == 1);
    assertThat(notifications.get("m-live-1").get()).isEqualTo(1);
    assertThat(notifications.get("m-live-2").get()).isEqualTo(1);
    assertThat(notifications).doesNotContainKey("m-live-ap");
    assertThat(await(messages.get("m-live-ap"))).isEmpty();
    assertThat(await(conversations.get("g-live"))).get().extracting(Conversation::participants)
        .isEqualTo(Set.of("alice", "bob"));
    assertThat(delivered).allSatisfy(d -> assertThat(d.getBoolean("localOnly")).isTrue());
    assertThat(delivered).anySatisfy(d -> {
      assertThat(d.getJsonArray("userIds").getList()).containsExactly("bob");
      assertThat(d.getJsonArray("frames").getJsonObject(0).getString("type")).isEqualTo("typing");
    });
    assertThat(delivered).anySatisfy(d -> {
      assertThat(d.getJsonArray("userIds").getList()).contains("alice", "carol");
      assertThat(d.getJsonArray("frames").getJsonObject(0).getString("type")).isEqualTo("receipt");
    });
    await(live.close());
  }

  private BridgeVerticle bridge() {
    return new BridgeVerticle(EU, List.of(new BridgeVerticle.RemoteRegion(US, usKafka.bootstrapServers())),
        messages, conversations, receipts, presence, clock);
  }

  private String deploy(BridgeVerticle bridge) {
    return deploy(bridge, new JsonObject());
  }

  private String deploy(BridgeVerticle bridge, JsonObject extra) {
    JsonObject config = new JsonObject().put("pollTimeoutMs", 200).put("maxPollRecords", 40).mergeIn(extra);
    return await(vertx.deployVerticle(bridge, new DeploymentOptions().setConfig(config)));
  }

  /** A MessageStore whose upsert of one message fails a number of times, then works. */
  private static final class FlakyMessageStore implements MessageStore {
    private final MessageStore delegate;
    private final String failingId;
    private final AtomicInteger failuresLeft;

    FlakyMessageStore(MessageStore delegate, String failingId, AtomicInteger failuresLeft) {
      this.delegate = delegate;
      this.failingId = failingId;
      this.failuresLeft = failuresLeft;
    }

    @Override
    public Future<AppendResult> upsert(Message message) {
      if (message.messageId().equals(failingId) && failuresLeft.getAndDecrement() > 0) {
        return Future.failedFuture(new IllegalStateException("injected failure for " + failingId));
      }
      return delegate.upsert(message);
    }

    @Override
    public Future<AppendResult> append(NewMessage message) {
      return delegate.append(message);
    }

    @Override
    public Future<java.util.Optional<Message>> get(String messageId) {
      return delegate.get(messageId);
    }

    @Override
    public Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit) {
      return delegate.sync(conversationId, cursor, limit);
    }

    @Override
    public Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit) {
      return delegate.history(conversationId, before, limit);
    }

    @Override
    public Future<Long> maxLamport() {
      return delegate.maxLamport();
    }

    @Override
    public Future<List<Message>> unpublished(String region, long createdAfter, long createdBefore, int limit) {
      return delegate.unpublished(region, createdAfter, createdBefore, limit);
    }

    @Override
    public Future<Void> markPublished(java.util.Collection<Message> messages) {
      return delegate.markPublished(messages);
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  /** eu-west's stores hold every message sent with its us-east seq and Lamport, each notified exactly once. */
  private void assertConverged(List<Message> sent, Map<String, Conversation> convs) {
    for (String conv : CONVERSATIONS) {
      MessageStore.SyncPage page = await(messages.sync(conv, SyncCursor.START, 500));
      List<Message> expected = sent.stream().filter(m -> m.conversationId().equals(conv))
          .sorted(CanonicalOrder.MESSAGES).toList();
      assertThat(page.hasMore()).isFalse();
      assertThat(page.messages()).as("messages of %s in canonical order", conv).containsExactlyElementsOf(expected);
      assertThat(page.cursor().positionOf(US)).isEqualTo(expected.size());
      assertThat(await(conversations.get(conv))).contains(convs.get(conv));
    }
    assertThat(notifications).hasSize(sent.size());
    assertThat(notifications.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
    for (Message m : sent) {
      assertThat(notifications).containsKey(m.messageId());
    }
  }

  private Map<TopicPartition, Long> committedOffsets() throws Exception {
    return committedOffsets(usKafka, BridgeVerticle.groupId(EU));
  }

  private Map<TopicPartition, Long> committedOffsets(EmbeddedKafka cluster, String group) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin
          .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, Long> result = new HashMap<>();
      offsets.forEach((tp, om) -> result.put(tp, om.offset()));
      return result;
    }
  }

  /** End offsets of the partitions that hold records. */
  private Map<TopicPartition, Long> endOffsets() throws Exception {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (String topic : ReplicationRecords.REPLICATED_TOPICS) {
        for (int p = 0; p < 3; p++) {
          request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
      }
      Map<TopicPartition, Long> result = new HashMap<>();
      admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> {
        if (info.offset() > 0) {
          result.put(tp, info.offset());
        }
      });
      return result;
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, usKafka.bootstrapServers()));
  }

  private static long sum(Map<TopicPartition, Long> offsets, String topic) {
    return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
        .mapToLong(Map.Entry::getValue).sum();
  }

  /** Checks the condition until it holds, failing after {@link #CONVERGE}. */
  private static void eventually(String what, CheckedCondition condition) throws Exception {
    long deadline = System.nanoTime() + CONVERGE.toNanos();
    while (!holds(condition)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + CONVERGE);
      }
      Thread.sleep(50); // polling interval of the check, not a synchronisation point
    }
  }

  private static boolean holds(CheckedCondition condition) throws Exception {
    try {
      return condition.holds();
    } catch (RuntimeException notYet) {
      return false;
    }
  }

  @FunctionalInterface
  private interface CheckedCondition {
    boolean holds() throws Exception;
  }
}
