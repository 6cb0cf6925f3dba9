package io.lattice.e2e;

import io.lattice.e2e.support.MeshCluster;
import io.lattice.testinfra.CassandraNodes;
import io.lattice.testinfra.RedisServers;
import io.lattice.testinfra.S3Server;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The three-region suite of {@link MeshIT} on the production adapters, against real servers started here, from the
 * region confs of {@code conf/prod-local} (what {@code ./lattice demo prod-local} runs): each region keeps its history
 * in its own datacenter of one Cassandra cluster (three nodes, one per DC: a multi-DC keyspace that replicates history
 * by itself, alongside the Kafka bridge), its receipts, sessions, presence and rate limits in Redis (its own key
 * space per region), its media in S3 (S3Proxy), and talks to its own Kafka broker, a separate {@code kafka.Kafka}
 * process that outlives the region's kill -9. Only the servers' addresses differ from the checked-in confs (free
 * ports, shared test servers).
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
    S3Server media = startS3();
    mesh = MeshCluster.builder().name("MeshProductionIT").confSet("prod-local").regionConf((region, conf) -> {
      int node = CassandraNodes.DATACENTERS.indexOf(region) + 1;
      conf.getJsonObject("cassandra").put("contactPoints", new JsonArray().add(cassandra.contactPoint(node)))
          .put("keyspace", keyspace);
      conf.getJsonObject("redis").put("endpoints", new JsonArray().add(redis))
          .put("keyPrefix", keyspace + ":" + region + ":");
      conf.getJsonObject("media").getJsonObject("s3").put("endpoint", media.endpoint())
          .put("accessKeyId", S3Server.ACCESS_KEY).put("secretAccessKey", S3Server.SECRET_KEY);
    }).start();
  }

  private static S3Server s3;

  private static S3Server startS3() {
    try {
      s3 = S3Server.start();
      return s3;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }
}
