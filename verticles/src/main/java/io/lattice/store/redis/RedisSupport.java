package io.lattice.store.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the Redis adapters share: completing on the caller's context, and the key names. */
final class RedisSupport {

  /**
   * How long a key outlives the latest expiry it holds before Redis deletes it. Reads already ignore expired
   * parts by the injected clock; the Redis TTL only reclaims memory of keys nobody touches again, so it is generous
   * enough to absorb clock differences between nodes. Same value as the Hazelcast adapters' eviction grace.
   */
  static final long EXPIRY_GRACE_MS = 60_000;

  /**
   * How many requests one operation over many users keeps in flight: a heartbeat round can name tens of thousands
   * of users, and the client fails requests beyond its pool's waiting queue ({@code maxPoolWaiting}).
   */
  static final int MAX_IN_FLIGHT = 256;

  private RedisSupport() {
  }

  /**
   * Applies {@code call} to every item, at most {@link #MAX_IN_FLIGHT} at a time (window after window); the results
   * in the items' order. Fails with the first failure of a window, after that window has completed.
   */
  static <T, R> Future<List<R>> inWindows(List<T> items, Function<T, Future<R>> call) {
    List<R> results = new ArrayList<>(items.size());
    return window(items, 0, call, results).map(v -> results);
  }

  private static <T, R> Future<Void> window(List<T> items, int from, Function<T, Future<R>> call, List<R> results) {
    if (from >= items.size()) {
      return Future.succeededFuture();
    }
    int to = Math.min(items.size(), from + MAX_IN_FLIGHT);
    List<Future<R>> running = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      Future<R> one;
      try {
        one = call.apply(items.get(i));
      } catch (RuntimeException e) {
        one = Future.failedFuture(e);
      }
      running.add(one);
    }
    return Future.all(running).compose(all -> {
      running.forEach(f -> results.add(f.result()));
      return window(items, to, call, results);
    });
  }

  /** The client completes on its own context; hop back to the caller's. */
  static <T> Future<T> onCaller(Context caller, Future<T> future) {
    return Future.fromCompletionStage(future.toCompletionStage(), caller);
  }

  /** Rejects a region or node name that would make a hash field ambiguous. */
  static String checkName(String what, String name) {
    if (name == null || name.isEmpty() || name.indexOf(':') >= 0) {
      throw new IllegalArgumentException(what + " must be non-empty and contain no ':' (was " + name + ")");
    }
    return name;
  }

  /** The fields of an {@code HGETALL} reply: a map in RESP3, a flat array of field, value in RESP2. */
  static Map<String, String> hashEntries(Response hash) {
    Map<String, String> entries = new LinkedHashMap<>();
    if (hash == null) {
      return entries;
    }
    if (hash.isMap()) {
      for (String field : hash.getKeys()) {
        entries.put(field, hash.get(field).toString());
      }
    } else {
      for (int i = 0; i + 1 < hash.size(); i += 2) {
        entries.put(hash.get(i).toString(), hash.get(i + 1).toString());
      }
    }
    return entries;
  }
}
