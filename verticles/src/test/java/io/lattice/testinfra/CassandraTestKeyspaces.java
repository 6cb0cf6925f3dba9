package io.lattice.testinfra;

import io.lattice.store.cassandra.CassandraStores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** Stores on the shared test cluster ({@link CassandraNodes}), each test in a keyspace of its own. */
public final class CassandraTestKeyspaces {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private CassandraTestKeyspaces() {
  }

  /** A keyspace name no other test uses. */
  public static String fresh() {
    return "t" + COUNTER.incrementAndGet() + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  /** The "cassandra" block of a region whose driver talks to node {@code node} (1-based) of the test cluster. */
  public static JsonObject block(CassandraNodes nodes, int node, String keyspace, Map<String, Integer> replication) {
    JsonObject rf = new JsonObject();
    replication.forEach(rf::put);
    return new JsonObject()
        .put("contactPoints", new JsonArray().add(nodes.contactPoint(node)))
        .put("localDatacenter", CassandraNodes.datacenter(node))
        .put("keyspace", keyspace)
        .put("replication", rf)
        .put("writeConsistency", "LOCAL_QUORUM")
        .put("readConsistency", "LOCAL_ONE")
        .put("requestTimeoutMs", 20_000);
  }

  /** Stores on node 1 (us-east) in a new keyspace replicated only there. */
  public static Future<CassandraStores> openFresh(Vertx vertx) {
    return open(vertx, fresh());
  }

  /** Stores on node 1 (us-east) in {@code keyspace} (created if missing), replicated only there. */
  public static Future<CassandraStores> open(Vertx vertx, String keyspace) {
    CassandraNodes nodes = CassandraNodes.cluster(1);
    return CassandraStores.open(vertx, block(nodes, 1, keyspace, Map.of("us-east", 1)));
  }
}
