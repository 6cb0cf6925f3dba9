package io.lattice.kafka;

import io.lattice.model.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Creates the topics that bridge regions, if they are missing. Idempotent: a topic that already exists counts as
 * created (its partition count is left as it is; Kafka can only raise it, and raising it moves keys between
 * partitions, which breaks per-conversation ordering, so that is an operator's decision, not a start-up one).
 *
 * <p>Uses the plain Kafka {@link Admin} client on a worker thread ({@code executeBlocking}): one short-lived client per
 * call, which is all a start-up step needs.
 */
public final class KafkaTopics {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** One topic to ensure; {@code configs} are topic-level settings (e.g. {@code retention.ms}), may be empty. */
  public record Spec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    public Spec {
      if (partitions < 1 || replicationFactor < 1) {
        throw new IllegalArgumentException("partitions and replication factor must be >= 1: " + name);
      }
      configs = Map.copyOf(configs);
    }

    NewTopic toNewTopic() {
      return new NewTopic(name, partitions, replicationFactor).configs(configs);
    }
  }

  private KafkaTopics() {
  }

  /** The topics of {@link Topics}, each with {@code partitions} partitions and {@code replicationFactor} replicas. */
  public static List<Spec> lattice(int partitions, short replicationFactor) {
    return List.of(
        new Spec(Topics.MESSAGE_SENT, partitions, replicationFactor, Map.of()),
        new Spec(Topics.CROSS_REGION_SYNC, partitions, replicationFactor, Map.of()),
        new Spec(Topics.DELIVERY_RECEIPT, partitions, replicationFactor, Map.of()),
        new Spec(Topics.CONVERSATION_SNAPSHOT, partitions, replicationFactor, Map.of()),
        new Spec(Topics.PRESENCE_STATE, partitions, replicationFactor, Map.of()));
  }

  /**
   * Creates each topic of {@code specs} that does not exist yet on the cluster at {@code bootstrapServers}.
   * Completes with the names of the topics this call created (empty if all existed); fails on any other error.
   */
  public static Future<List<String>> ensure(Vertx vertx, String bootstrapServers, List<Spec> specs) {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "lattice-topics");
    return ensure(vertx, config, specs);
  }

  /** As {@link #ensure(Vertx, String, List)}, with a full admin client configuration (security settings etc.). */
  public static Future<List<String>> ensure(Vertx vertx, Map<String, Object> adminConfig, List<Spec> specs) {
    return vertx.executeBlocking(() -> {
      try (Admin admin = Admin.create(adminConfig)) {
        List<String> created = createMissing(admin, specs);
        awaitLeaders(admin, specs);
        return created;
      }
    }, false);
  }

  /**
   * A topic just created has no partition leader for a moment, and a producer that sends then gets
   * NOT_LEADER_OR_FOLLOWER (fatal for the live producer, which does not retry). Wait until every partition has one.
   */
  private static void awaitLeaders(Admin admin, List<Spec> specs) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<String> names = specs.stream().map(Spec::name).toList();
    while (true) {
      try {
        boolean ready = admin.describeTopics(names).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .values().stream().allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null
                && !p.leader().isEmpty()));
        if (ready) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // metadata not propagated yet (UnknownTopicOrPartition): ask again
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Kafka topics " + names + " have no leader after " + TIMEOUT);
      }
      Thread.sleep(50); // a worker thread polling the cluster's metadata, not a test synchronisation
    }
  }

  private static List<String> createMissing(Admin admin, List<Spec> specs) throws InterruptedException {
    Map<String, KafkaFuture<Void>> results = admin.createTopics(specs.stream().map(Spec::toNewTopic).toList())
        .values();
    List<String> created = new ArrayList<>();
    for (Spec spec : specs) {
      try {
        results.get(spec.name()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        created.add(spec.name());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create Kafka topic " + spec.name() + ": " + e.getCause(),
              e.getCause());
        }
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("Kafka topic " + spec.name() + " not created within " + TIMEOUT, e);
      }
    }
    if (!created.isEmpty()) {
      LOG.info("Created Kafka topics {}", created);
    }
    return created;
  }
}
