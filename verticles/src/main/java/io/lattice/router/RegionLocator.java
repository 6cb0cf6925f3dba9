package io.lattice.router;

import io.lattice.model.Addresses;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The region level of the session router: in which regions a user has live connections. The answer comes from
 * region-local state only, the presence CRDT, whose per-region slots (count, version, expiry refreshed by
 * heartbeats: the 60 s TTL) every region replicates to every other through Kafka. A Tokyo lookup never crosses the
 * Pacific. A stale answer costs a wasted live forward or a live delivery left to the durable path, never a message.
 *
 * <p>Answers are cached per node ({@code ttl}, 10 s by default) and updated in place by the presence events every
 * node receives ({@link Addresses#PRESENCE_CHANGED}), so under load a send costs no presence read at all.
 *
 * <p>Not thread-safe: owned by {@link RouterVerticle} and used on its event loop.
 */
final class RegionLocator {
  private static final int MAX_ENTRIES = 100_000;

  private final Vertx vertx;
  private final String region;
  private final Clock clock;
  private final long ttlMillis;
  private final Map<String, Entry> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_ENTRIES;
    }
  };
  private final Counter hits;
  private final Counter misses;

  private record Entry(Set<String> regions, long expiresAt) {
  }

  /** @param hits, misses where lookups answered from the cache, or not, are counted (the router's metrics) */
  RegionLocator(Vertx vertx, String region, Clock clock, Duration ttl, Counter hits, Counter misses) {
    this.hits = hits;
    this.misses = misses;
    this.vertx = vertx;
    this.region = region;
    this.clock = clock;
    this.ttlMillis = ttl.toMillis();
  }

  /** For each user, the regions where the user has live connections (possibly including this one). */
  Future<Map<String, Set<String>>> locate(List<String> users) {
    long now = clock.millis();
    Map<String, Set<String>> found = new HashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String user : users) {
      Entry e = cache.get(user);
      if (e != null && e.expiresAt() > now) {
        hits.increment();
        found.put(user, e.regions());
      } else {
        misses.increment();
        unknown.add(user);
      }
    }
    if (unknown.isEmpty()) {
      return Future.succeededFuture(found);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_GET,
        new JsonObject().put("userIds", new JsonArray(unknown))).map(reply -> {
          for (Object p : reply.body().getJsonArray("presence", new JsonArray())) {
            JsonObject presence = (JsonObject) p;
            Set<String> regions = regionsOf(presence);
            cache.put(presence.getString("userId"), new Entry(regions, now + ttlMillis));
            found.put(presence.getString("userId"), regions);
          }
          return found;
        });
  }

  /** A presence event (this region's or a replicated one): the user's live regions as of now. */
  void changed(JsonObject presence) {
    String user = presence.getString("userId");
    if (user != null) {
      cache.put(user, new Entry(regionsOf(presence), clock.millis() + ttlMillis));
    }
  }

  private static Set<String> regionsOf(JsonObject presence) {
    JsonObject regions = presence.getJsonObject("regions", new JsonObject());
    return Set.copyOf(regions.fieldNames());
  }

  String region() {
    return region;
  }
}
