package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Creates and migrates the keyspace at start: versioned, ordered CQL migrations recorded in
 * {@code schema_version}. Every statement is idempotent ({@code IF NOT EXISTS}), so a node that dies half-way, or two
 * nodes starting together, re-run a migration harmlessly; a version row is written only after all its statements
 * succeeded and every node reports the same schema. New migrations are appended to {@link #MIGRATIONS}, never edited.
 */
final class CassandraSchema {

  record Migration(int version, String description, List<String> statements) {
  }

  /** {ks} is replaced by the keyspace. */
  static final List<Migration> MIGRATIONS = List.of(
      new Migration(1, "messages, sequence counters and clocks", List.of(
          """
          CREATE TABLE IF NOT EXISTS {ks}.messages (
            conversation_id text, bucket bigint, lamport bigint, source_region text, message_id text,
            sender_id text, content text, media_url text, created_at bigint, seq bigint,
            PRIMARY KEY ((conversation_id, bucket), lamport, source_region, message_id))
          WITH CLUSTERING ORDER BY (lamport DESC, source_region DESC, message_id DESC)""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.message_buckets (
            conversation_id text, bucket bigint, PRIMARY KEY (conversation_id, bucket))
          WITH CLUSTERING ORDER BY (bucket DESC)""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.messages_by_source (
            conversation_id text, source_region text, seq_bucket bigint, seq bigint, message_id text,
            sender_id text, content text, media_url text, created_at bigint, lamport bigint,
            PRIMARY KEY ((conversation_id, source_region, seq_bucket), seq))""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.messages_by_id (
            message_id text PRIMARY KEY, conversation_id text, sender_id text, content text, media_url text,
            created_at bigint, lamport bigint, source_region text, seq bigint)""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.conversation_regions (
            conversation_id text, source_region text, PRIMARY KEY (conversation_id, source_region))""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.seq_counters (
            conversation_id text, source_region text, last_seq bigint, last_lamport bigint, last_message_id text,
            last_sender_id text, last_content text, last_media_url text, last_created_at bigint,
            PRIMARY KEY ((conversation_id, source_region)))""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.conversation_clocks (
            conversation_id text PRIMARY KEY, last_lamport bigint)""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.lamport_max (shard int PRIMARY KEY, lamport bigint)""")),
      new Migration(2, "conversations and per-user conversation lists", List.of(
          """
          CREATE TABLE IF NOT EXISTS {ks}.conversations (
            conversation_id text PRIMARY KEY, type text, title text, region_hint text, created_at bigint,
            participants set<text>)""",
          """
          CREATE TABLE IF NOT EXISTS {ks}.conversations_by_user (
            user_id text, created_at bigint, conversation_id text,
            PRIMARY KEY (user_id, created_at, conversation_id))
          WITH CLUSTERING ORDER BY (created_at DESC, conversation_id DESC)""")),
      new Migration(3, "this region's messages not yet in its replication log", List.of(
          """
          CREATE TABLE IF NOT EXISTS {ks}.unpublished_messages (
            source_region text, bucket bigint, shard int, message_id text, created_at bigint,
            PRIMARY KEY ((source_region, bucket, shard), message_id))
          WITH default_time_to_live = 604800 AND gc_grace_seconds = 3600""")));

  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration AGREEMENT_TIMEOUT = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final CassandraClient client;
  private final CassandraConfig config;

  CassandraSchema(Vertx vertx, CassandraClient client, CassandraConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
  }

  /** Creates the keyspace if missing and applies the migrations not yet recorded; the versions applied now. */
  Future<List<Integer>> migrate() {
    String replication = config.replication().entrySet().stream()
        .map(e -> "'" + e.getKey() + "': " + e.getValue())
        .collect(Collectors.joining(", ", "{'class': 'NetworkTopologyStrategy', ", "}"));
    String ks = config.keyspace();
    return ddl("CREATE KEYSPACE IF NOT EXISTS " + ks + " WITH replication = " + replication)
        .compose(v -> ddl("CREATE TABLE IF NOT EXISTS " + ks + ".schema_version (version int PRIMARY KEY, "
            + "description text, applied_at timestamp)"))
        .compose(v -> awaitAgreement())
        .compose(v -> client.executeWithFullFetch(SimpleStatement.newInstance("SELECT version FROM " + ks
            + ".schema_version").setConsistencyLevel(config.decisionConsistency())))
        .compose(rows -> {
          Set<Integer> applied = new HashSet<>();
          for (Row row : rows) {
            applied.add(row.getInt("version"));
          }
          List<Integer> now = new ArrayList<>();
          Future<Void> chain = Future.succeededFuture();
          for (Migration m : MIGRATIONS) {
            if (!applied.contains(m.version())) {
              chain = chain.compose(v -> apply(m)).onSuccess(v -> now.add(m.version()));
            }
          }
          return chain.map(v -> now);
        });
  }

  private Future<Void> apply(Migration m) {
    Future<Void> chain = Future.succeededFuture();
    for (String statement : m.statements()) {
      String cql = statement.replace("{ks}", config.keyspace());
      chain = chain.compose(v -> ddl(cql));
    }
    return chain.compose(v -> awaitAgreement())
        .compose(v -> client.execute(SimpleStatement.newInstance("INSERT INTO " + config.keyspace()
                + ".schema_version (version, description, applied_at) VALUES (?, ?, toTimestamp(now()))",
            m.version(), m.description()).setConsistencyLevel(config.writeConsistency())))
        .mapEmpty();
  }

  private Future<Void> ddl(String cql) {
    return client.execute(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT)).mapEmpty();
  }

  /**
   * Waits until every node that is up reports the same schema version (asked node by node, each its own
   * system.local), polling every 200 ms: a write racing a table that one replica does not know yet is lost there.
   */
  Future<Void> awaitAgreement() {
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + AGREEMENT_TIMEOUT.toNanos();
    poll(done, deadline);
    return done.future();
  }

  private void poll(Promise<Void> done, long deadline) {
    client.metadata().compose(metadata -> {
      List<Future<UUID>> versions = new ArrayList<>();
      for (Node node : metadata.getNodes().values()) {
        if (node.getState() == NodeState.UP) {
          versions.add(client.executeWithFullFetch(SimpleStatement.newInstance(
                  "SELECT schema_version FROM system.local WHERE key = 'local'").setNode(node))
              .map(rows -> rows.isEmpty() ? null : rows.get(0).getUuid("schema_version")));
        }
      }
      return Future.all(versions).map(all -> {
        Set<UUID> distinct = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
          distinct.add(all.resultAt(i));
        }
        return distinct.size() == 1 && !distinct.contains(null);
      });
    }).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete();
      } else if (System.nanoTime() > deadline) {
        done.fail(new IllegalStateException("no schema agreement within " + AGREEMENT_TIMEOUT
            + (ar.failed() ? ": " + ar.cause() : "")));
      } else {
        vertx.setTimer(200, t -> poll(done, deadline));
      }
    });
  }
}
