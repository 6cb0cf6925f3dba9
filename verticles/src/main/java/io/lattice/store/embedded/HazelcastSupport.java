package io.lattice.store.embedded;

import com.hazelcast.map.ExtendedMapEntry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** What the Hazelcast adapters share: completing on the caller's context, and writing entries with a TTL. */
final class HazelcastSupport {

  /**
   * How long an entry outlives the latest expiry it holds before Hazelcast evicts it. Reads already ignore expired
   * parts by the injected clock; the map-level TTL only reclaims memory of users nobody touches again, so it is
   * generous enough to absorb clock differences between nodes.
   */
  static final long EVICTION_GRACE_MS = 60_000;

  private HazelcastSupport() {
  }

  /** Hazelcast completes its stages on its own threads; hop back to the caller's context. */
  static <T> Future<T> onCaller(Vertx vertx, CompletionStage<T> stage) {
    return io.lattice.bus.Stages.onContext(vertx.getOrCreateContext(), stage);
  }

  /** For the few IMap calls that have no async variant: a worker thread, completing on the caller's context. */
  static <T> Future<T> blocking(Vertx vertx, Callable<T> call) {
    Context context = vertx.getOrCreateContext();
    return context.executeBlocking(call, false);
  }

  /** Sets the entry's value (deleting it when null) with a map-level TTL as a backstop. */
  static <K, V> void store(Map.Entry<K, V> entry, V value, long latestExpiry, long now) {
    if (value == null) {
      entry.setValue(null);
      return;
    }
    long ttl = Math.max(latestExpiry - now, 0) + EVICTION_GRACE_MS;
    if (entry instanceof ExtendedMapEntry<K, V> extended) {
      extended.setValue(value, ttl, TimeUnit.MILLISECONDS);
    } else {
      entry.setValue(value);
    }
  }
}
