package io.lattice.bridge;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Who delivers a replicated message to this region's connections: the first of its copies (the live one pushed by
 * its source region, the durable one pulled by the bridge, on whichever node of the region) to claim it. The store
 * cannot decide this: a multi-DC Cassandra keyspace replicates the message by itself, so both copies may find it
 * stored already. Claims are forgotten after {@code ttl}; a copy arriving later than that (after a very long
 * partition) is delivered again, which clients absorb (they dedupe by messageId).
 *
 * <p>Threading: futures complete on the caller's context.
 */
public interface DeliveryClaims {

  /** True for the first claim of {@code messageId} in the region (within the TTL), false afterwards. */
  Future<Boolean> claim(String messageId);

  /** Region-wide, in a Hazelcast map ({@code lattice.bridge.delivered}, entries expire after {@code ttl}). */
  static DeliveryClaims hazelcast(Vertx vertx, HazelcastInstance hazelcast, Duration ttl) {
    IMap<String, Boolean> claims = hazelcast.getMap("lattice.bridge.delivered");
    Claim claim = new Claim(ttl.toMillis());
    return messageId -> io.lattice.bus.Stages.onContext(vertx.getOrCreateContext(),
        claims.submitToKey(messageId, claim));
  }

  /** Atomic on the key's partition: true and the entry set (with its TTL) if there was none. */
  record Claim(long ttlMillis) implements EntryProcessor<String, Boolean, Boolean>, java.io.Serializable {
    @Override
    public Boolean process(Map.Entry<String, Boolean> entry) {
      if (entry.getValue() != null) {
        return false;
      }
      if (entry instanceof ExtendedMapEntry<String, Boolean> extended) {
        extended.setValue(Boolean.TRUE, ttlMillis, TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(Boolean.TRUE);
      }
      return true;
    }
  }

  /** For one bridge alone (tests, a single-node region): the most recent 100,000 ids in memory. */
  static DeliveryClaims inMemory() {
    Map<String, Boolean> seen = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > 100_000;
      }
    });
    return messageId -> Future.succeededFuture(seen.putIfAbsent(messageId, Boolean.TRUE) == null);
  }
}
