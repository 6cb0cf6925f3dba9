package io.lattice.kafka;

import io.lattice.model.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real in-process KRaft broker: records and committed offsets survive a restart on the same directory, and a
 * consumer group resumes where it committed, with per-key order kept. Prints start times and heap for the record.
 * The event loops run under a 200 ms blocked-thread check ({@code TestVertx}), so a start or stop that blocked an event
 * loop would show in the test output.
 */
class EmbeddedKafkaTest {
  // A broker whose directory the test framework deletes after a failed test would otherwise halt the test JVM
  // (Kafka halts on a log directory failure) and take every later test class down with it.
  static {
    org.apache.kafka.common.utils.Exit.setHaltProcedure((status, message) -> {
      throw new IllegalStateException("Kafka asked to halt the JVM (" + status + "): " + message);
    });
  }

  private static final int LATTICE_TOPICS = KafkaTopics.lattice(1, (short) 1).size();


  private static final int RECORDS = 100;
  private static final int KEYS = 5;
  private static final int FIRST_BATCH = 50;
  private static final String GROUP = "bridge-test";
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir
  Path temp;

  private Vertx vertx;
  private EmbeddedKafka broker;

  @BeforeEach
  void setUp() {
    vertx = io.lattice.store.TestVertx.create();
  }

  @AfterEach
  void tearDown() {
    if (broker != null) {
      await(broker.stop());
    }
    await(vertx.close());
  }

  @Test
  void should_resume_a_group_at_its_committed_offset_after_a_broker_restart() {
    Path dir = temp.resolve("kafka");
    long heapBefore = usedHeap();

    long begin = System.nanoTime();
    broker = await(EmbeddedKafka.start(vertx, dir));
    long coldMs = (System.nanoTime() - begin) / 1_000_000;
    long heapAfter = usedHeap();
    String clusterId = broker.clusterId();
    assertThat(dir.resolve("meta.properties")).exists();

    List<String> created = await(KafkaTopics.ensure(vertx, broker.bootstrapServers(), KafkaTopics.lattice(3, (short) 1)));
    assertThat(created).containsExactlyInAnyOrder(Topics.MESSAGE_SENT, Topics.CROSS_REGION_SYNC, Topics.DELIVERY_RECEIPT,
        Topics.CONVERSATION_SNAPSHOT, Topics.PRESENCE_STATE);
    assertThat(await(KafkaTopics.ensure(vertx, broker.bootstrapServers(), KafkaTopics.lattice(3, (short) 1))))
        .as("second ensure: all exist").isEmpty();

    List<String> sent = produce(broker.bootstrapServers());

    KafkaConsumer<String, String> first = consumer(broker.bootstrapServers());
    await(first.subscribe(Topics.MESSAGE_SENT));
    List<KafkaConsumerRecord<String, String>> firstRecords = pollUntil(first, FIRST_BATCH);
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (KafkaConsumerRecord<String, String> record : firstRecords) {
      commit.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1, ""));
    }
    await(first.commit(commit));
    await(first.close());

    int brokerPort = broker.brokerPort();
    int controllerPort = broker.controllerPort();
    await(broker.stop());
    broker = null;

    begin = System.nanoTime();
    broker = await(EmbeddedKafka.start(vertx, dir, brokerPort, controllerPort, Map.of()));
    long restartMs = (System.nanoTime() - begin) / 1_000_000;
    assertThat(broker.clusterId()).isEqualTo(clusterId);
    assertThat(await(KafkaTopics.ensure(vertx, broker.bootstrapServers(), KafkaTopics.lattice(3, (short) 1))))
        .as("topics survived the restart").isEmpty();

    KafkaConsumer<String, String> second = consumer(broker.bootstrapServers());
    await(second.subscribe(Topics.MESSAGE_SENT));
    List<KafkaConsumerRecord<String, String>> secondRecords = pollUntil(second, RECORDS - FIRST_BATCH);
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : commit.entrySet()) {
      assertThat(await(second.committed(entry.getKey())).getOffset())
          .as("committed offset of %s after restart", entry.getKey()).isEqualTo(entry.getValue().getOffset());
    }
    assertThat(await(second.poll(Duration.ofMillis(500))).size()).as("nothing after the last record").isZero();
    await(second.close());

    List<String> firstValues = values(firstRecords);
    List<String> secondValues = values(secondRecords);
    assertThat(firstValues).hasSize(FIRST_BATCH).doesNotHaveDuplicates();
    Set<String> rest = new HashSet<>(sent);
    firstValues.forEach(rest::remove);
    assertThat(secondValues).as("resumes right after the committed 50, nothing redelivered or lost")
        .containsExactlyInAnyOrderElementsOf(rest);
    assertPerKeyOrder(firstValues, secondValues);

    System.out.printf("EmbeddedKafka: cold start %d ms, restart %d ms, heap used +%d MiB after start (%d -> %d MiB)%n",
        coldMs, restartMs, (heapAfter - heapBefore) >> 20, heapBefore >> 20, heapAfter >> 20);
  }

  @Test
  void should_refuse_a_second_broker_on_the_same_directory() {
    Path dir = temp.resolve("kafka");
    broker = await(EmbeddedKafka.start(vertx, dir));

    Throwable failure = awaitFailure(EmbeddedKafka.start(vertx, dir));

    assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContaining("is in use by another");
    assertThat(await(KafkaTopics.ensure(vertx, broker.bootstrapServers(), KafkaTopics.lattice(1, (short) 1))))
        .as("the first broker still serves").hasSize(LATTICE_TOPICS);
  }

  @Test
  void should_fail_cleanly_when_the_broker_port_is_taken() throws Exception {
    Path dir = temp.resolve("kafka");
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      awaitFailure(EmbeddedKafka.start(vertx, dir, taken.getLocalPort(), 0, Map.of()));
    }

    broker = await(EmbeddedKafka.start(vertx, dir));

    assertThat(await(KafkaTopics.ensure(vertx, broker.bootstrapServers(), KafkaTopics.lattice(1, (short) 1))))
        .as("the directory was released and the new broker serves").hasSize(LATTICE_TOPICS);
  }

  private List<String> produce(String bootstrap) {
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, config);
    List<String> sent = new ArrayList<>();
    List<Future<?>> acks = new ArrayList<>();
    int[] seq = new int[KEYS];
    for (int i = 0; i < RECORDS; i++) {
      int key = i % KEYS;
      String value = "conv-" + key + ":" + seq[key]++;
      sent.add(value);
      acks.add(producer.send(KafkaProducerRecord.create(Topics.MESSAGE_SENT, "conv-" + key, value)));
    }
    await(Future.all(acks));
    await(producer.close());
    return sent;
  }

  private KafkaConsumer<String, String> consumer(String bootstrap) {
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("group.id", GROUP);
    config.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    config.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    config.put("enable.auto.commit", "false");
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", "7");
    return KafkaConsumer.create(vertx, config);
  }

  /** Polls until {@code count} records arrived; records of the last batch beyond {@code count} are dropped. */
  private static List<KafkaConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
    List<KafkaConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (records.size() < count) {
      assertThat(System.nanoTime()).as("%d of %d records within %s", records.size(), count, DEADLINE)
          .isLessThan(deadline);
      KafkaConsumerRecords<String, String> batch = await(consumer.poll(Duration.ofMillis(200)));
      for (int i = 0; i < batch.size() && records.size() < count; i++) {
        records.add(batch.recordAt(i));
      }
    }
    return records;
  }

  /** Each key's values, across both consumers in order, are exactly 0, 1, 2, ... : no gap, no repeat, no reorder. */
  private static void assertPerKeyOrder(List<String> first, List<String> second) {
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    for (String value : all) {
      String[] parts = value.split(":");
      byKey.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
    }
    assertThat(byKey).hasSize(KEYS);
    for (Map.Entry<String, List<Integer>> entry : byKey.entrySet()) {
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < RECORDS / KEYS; i++) {
        expected.add(i);
      }
      assertThat(entry.getValue()).as("order of %s", entry.getKey()).containsExactlyElementsOf(expected);
    }
  }

  private static List<String> values(List<KafkaConsumerRecord<String, String>> records) {
    return records.stream().map(KafkaConsumerRecord::value).toList();
  }

  private static long usedHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
