package io.lattice.e2e;

import io.lattice.e2e.support.MeshCluster;
import io.lattice.testinfra.CassandraNodes;
import io.lattice.testinfra.RedisServers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;

/**
 * The three-region suite of {@link MeshIT} on the production adapters, against real servers started here: each region
 * keeps its history in its own datacenter of one Cassandra cluster (three nodes, one per DC: a multi-DC keyspace that
 * replicates history by itself, alongside the Kafka bridge), and its receipts, sessions, presence and rate limits in
 * Redis (its own key space per region), with its own Kafka broker as in the demo.
 */
class MeshProductionIT extends MeshIT {

  /** Hides {@link MeshIT}'s: the same tests, another mesh. */
  @BeforeAll
  static void startMesh() {
    String redis = RedisServers.standalone();
    CassandraNodes cassandra = CassandraNodes.cluster(3);
    String keyspace = "lattice_mesh_" + Long.toHexString(System.nanoTime());
    JsonObject replication = new JsonObject();
    CassandraNodes.DATACENTERS.forEach(dc -> replication.put(dc, 1));
    // Create the schema once before the three regions start at the same moment (their concurrent migrations are
    // retried by the store, but a settled schema keeps this suite about replication, not about DDL races).
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.lattice.store.TestVertx.await(io.lattice.store.cassandra.CassandraStores.open(vertx, new JsonObject()
          .put("contactPoints", new JsonArray().add(cassandra.contactPoint(1)))
          .put("localDatacenter", CassandraNodes.datacenter(1)).put("keyspace", keyspace)
          .put("replication", replication)).compose(stores -> stores.close()));
    } finally {
      io.lattice.store.TestVertx.await(vertx.close());
    }
    mesh = MeshCluster.builder().name("MeshProductionIT").regionConf((region, conf) -> {
      int node = CassandraNodes.DATACENTERS.indexOf(region) + 1;
      conf.put("backends", new JsonObject().put("messages", "cassandra").put("receipts", "redis")
          .put("sessions", "redis").put("presence", "redis").put("rateLimits", "redis"));
      conf.put("cassandra", new JsonObject().put("contactPoints", new JsonArray().add(cassandra.contactPoint(node)))
          .put("localDatacenter", CassandraNodes.datacenter(node)).put("keyspace", keyspace)
          .put("replication", replication));
      conf.put("redis", new JsonObject().put("endpoints", new JsonArray().add(redis))
          .put("keyPrefix", keyspace + ":" + region + ":"));
    }).start();
  }
}
