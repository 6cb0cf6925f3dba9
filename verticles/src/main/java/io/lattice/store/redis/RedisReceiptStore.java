package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ReceiptStore} in Redis: one hash per message ({@code receipt:{m:<messageId>}}, recipient id to
 * {@code sentAt:deliveredAt:readAt:updatedAt}), so {@link #get} is one {@code HGETALL} and all recipients of a
 * message share a cluster slot. A batch is split by message; each message's part is merged by one run of
 * {@link ReceiptMergeScript} (max per field, atomic), the parts run concurrently and the results are put back in
 * the batch's order.
 *
 * <p>Retention: as in the SQLite adapter, a recipient's state whose last change is older than the retention (by
 * the injected clock) counts as absent: not returned, and a new update starts from empty. Redis reclaims the memory:
 * every change sets the message hash's TTL to the retention, so a hash disappears one retention after the last
 * change of any of its recipients; {@link #purgeExpired} has nothing to do. Durability is Redis's: configure AOF
 * (or RDB snapshots) on the server if receipts must survive its restart.
 */
public final class RedisReceiptStore implements ReceiptStore {

  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

  private final Vertx vertx;
  private final RedisChannel redis;
  private final RedisKeys keys;
  private final Duration retention;
  private final Clock clock;
  private final ReceiptMergeScript script;

  RedisReceiptStore(Vertx vertx, RedisChannel redis, RedisKeys keys, Duration retention, Clock clock,
                    ReceiptMergeScript script) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive");
    }
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.retention = retention;
    this.clock = clock;
    this.script = script;
  }

  @Override
  public Future<List<Merged>> merge(List<ReceiptUpdate> updates) {
    if (updates.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    long cutoff = now - retention.toMillis();
    Map<String, List<Integer>> positions = new LinkedHashMap<>();
    for (int i = 0; i < updates.size(); i++) {
      positions.computeIfAbsent(updates.get(i).key().messageId(), m -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> groups = new ArrayList<>(positions.values());
    Future<List<Merged>> done = RedisSupport.inWindows(groups, group -> {
      List<ReceiptUpdate> part = group.stream().map(updates::get).toList();
      return script.merge(redis, keys.receipts(part.get(0).key().messageId()), part, now, cutoff,
          retention.toMillis());
    }).map(runs -> {
      Merged[] merged = new Merged[updates.size()];
      for (int g = 0; g < groups.size(); g++) {
        List<ReceiptMergeScript.Result> results = runs.get(g);
        List<Integer> group = groups.get(g);
        for (int j = 0; j < group.size(); j++) {
          int i = group.get(j);
          merged[i] = new Merged(updates.get(i).key(), results.get(j).state(), results.get(j).changed());
        }
      }
      return Arrays.asList(merged);
    });
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<Map<String, ReceiptState>> get(String messageId) {
    Context caller = vertx.getOrCreateContext();
    Future<Map<String, ReceiptState>> states = redis.send(Request.cmd(Command.HGETALL).arg(keys.receipts(messageId)))
        .map(hash -> {
          long cutoff = clock.millis() - retention.toMillis();
          Map<String, ReceiptState> out = new TreeMap<>();
          RedisSupport.hashEntries(hash).forEach((recipient, value) -> {
            String[] parts = value.split(":");
            if (Long.parseLong(parts[3]) >= cutoff) {
              out.put(recipient, new ReceiptState(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                  Long.parseLong(parts[2])));
            }
          });
          return out;
        });
    return RedisSupport.onCaller(caller, states);
  }

  /** Redis deletes expired hashes itself. */
  @Override
  public Future<Integer> purgeExpired() {
    return Future.succeededFuture(0);
  }

  /** The Redis client belongs to {@link RedisStores}, which closes it. */
  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
