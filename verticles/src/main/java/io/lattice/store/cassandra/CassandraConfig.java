package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code "cassandra"} configuration block:
 * <pre>{@code
 * {"cassandra": {
 *   "contactPoints": ["127.0.0.1:9042"],        // host:port (port defaults to 9042)
 *   "localDatacenter": "us-east",               // the region's datacenter: the driver only coordinates there
 *   "keyspace": "lattice",
 *   "replication": {"us-east": 3, "eu-west": 3}, // NetworkTopologyStrategy, replicas per datacenter
 *   "writeConsistency": "LOCAL_QUORUM",
 *   "readConsistency": "LOCAL_ONE",
 *   "serialConsistency": "LOCAL_SERIAL",        // for the lightweight transactions
 *   "requestTimeoutMs": 10000
 * }}
 * }</pre>
 * Only {@code localDatacenter} and {@code replication} have no useful default outside a test; the others default
 * as shown.
 */
public record CassandraConfig(List<InetSocketAddress> contactPoints, String localDatacenter, String keyspace,
                              Map<String, Integer> replication, ConsistencyLevel writeConsistency,
                              ConsistencyLevel readConsistency, ConsistencyLevel serialConsistency,
                              Duration requestTimeout) {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");
  private static final Pattern DATACENTER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public CassandraConfig {
    if (contactPoints.isEmpty()) {
      throw new IllegalArgumentException("cassandra.contactPoints is empty");
    }
    if (!IDENTIFIER.matcher(keyspace).matches()) {
      throw new IllegalArgumentException("cassandra.keyspace is not a plain identifier: " + keyspace);
    }
    if (replication.isEmpty() || !replication.containsKey(localDatacenter)) {
      throw new IllegalArgumentException("cassandra.replication must name the local datacenter " + localDatacenter);
    }
    replication.forEach((dc, rf) -> {
      if (!DATACENTER.matcher(dc).matches() || rf < 1) {
        throw new IllegalArgumentException("bad cassandra.replication entry " + dc + ": " + rf);
      }
    });
    if (!serialConsistency.isSerial()) {
      throw new IllegalArgumentException("cassandra.serialConsistency must be SERIAL or LOCAL_SERIAL");
    }
    contactPoints = List.copyOf(contactPoints);
    replication = Map.copyOf(replication);
  }

  public static CassandraConfig fromJson(JsonObject json) {
    JsonArray points = json.getJsonArray("contactPoints", new JsonArray().add("127.0.0.1:9042"));
    List<InetSocketAddress> contactPoints = new ArrayList<>();
    for (Object p : points) {
      String text = String.valueOf(p);
      int colon = text.lastIndexOf(':');
      contactPoints.add(colon < 0 ? InetSocketAddress.createUnresolved(text, 9042)
          : new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1))));
    }
    String localDc = json.getString("localDatacenter", "us-east");
    Map<String, Integer> replication = new LinkedHashMap<>();
    JsonObject rf = json.getJsonObject("replication", new JsonObject().put(localDc, 3));
    rf.forEach(e -> replication.put(e.getKey(), ((Number) e.getValue()).intValue()));
    return new CassandraConfig(contactPoints, localDc, json.getString("keyspace", "lattice"), replication,
        level(json, "writeConsistency", "LOCAL_QUORUM"), level(json, "readConsistency", "LOCAL_ONE"),
        level(json, "serialConsistency", "LOCAL_SERIAL"),
        Duration.ofMillis(json.getLong("requestTimeoutMs", 10_000L)));
  }

  /**
   * The level of the reads a write depends on (is this id stored? the conversation's clock): at least as strong
   * as the writes, so that with a quorum on both sides a read sees every acknowledged write.
   */
  public ConsistencyLevel decisionConsistency() {
    if (writeConsistency == DefaultConsistencyLevel.EACH_QUORUM) {
      return DefaultConsistencyLevel.LOCAL_QUORUM; // EACH_QUORUM is write-only
    }
    if (writeConsistency == DefaultConsistencyLevel.ANY) {
      return DefaultConsistencyLevel.ONE;
    }
    return writeConsistency;
  }

  private static ConsistencyLevel level(JsonObject json, String key, String fallback) {
    return DefaultConsistencyLevel.valueOf(json.getString(key, fallback).toUpperCase(java.util.Locale.ROOT));
  }
}
