package io.lattice.client;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where to connect: the stand-in for geo-DNS. The region list comes from {@code GET /api/regions} of any reachable
 * region (the seeds first, then every region learnt so far); the client measures its own round trip to each region's
 * {@code /health} (a draining or dead region does not answer 200 and counts as unreachable) and orders them:
 * configured preference first, then reachable before unreachable, then healthy (as the answering region sees it)
 * before unhealthy, then by round trip.
 *
 * <p>Failover: {@link #attemptFailed} rotates through the current region's endpoints and, after
 * {@code failoverAfter} failures in a row, leaves the region for the best other one (after a fresh
 * {@link #refresh}); {@link #connected} resets the count. Not thread-safe: used on the client's context only.
 */
final class RegionDirectory {

  private final HttpClient http;
  private final List<String> seeds;
  private final List<String> preference;
  private final long probeTimeoutMs;
  private final int failoverAfter;
  private List<Region> ordered = List.of();
  private Region current;
  private int endpointIndex;
  private int failures;
  private final java.util.Set<Integer> refusedEndpoints = new java.util.HashSet<>();

  RegionDirectory(HttpClient http, List<String> seeds, List<String> preference, long probeTimeoutMs,
                  int failoverAfter) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("at least one seed URL");
    }
    this.http = http;
    this.seeds = List.copyOf(seeds);
    this.preference = List.copyOf(preference);
    this.probeTimeoutMs = probeTimeoutMs;
    this.failoverAfter = Math.max(1, failoverAfter);
  }

  Region current() {
    return current;
  }

  Region.Endpoint endpoint() {
    return current.endpoints().get(endpointIndex % current.endpoints().size());
  }

  List<Region> regions() {
    return ordered;
  }

  /** Fetches the list and measures every region; completes (never fails) with whether a list is known. */
  Future<Boolean> refresh() {
    Set<String> sources = new LinkedHashSet<>(seeds);
    ordered.forEach(r -> r.endpoints().forEach(e -> sources.add(e.httpUrl())));
    return fetchFrom(new ArrayList<>(sources), 0).compose(fetched -> {
      if (fetched == null) {
        return Future.succeededFuture(!ordered.isEmpty());
      }
      List<Future<Region>> probes = fetched.stream().map(this::probe).toList();
      return Future.join(probes).transform(ignored -> {
        List<Region> measured = new ArrayList<>();
        probes.forEach(p -> measured.add(p.result()));
        measured.sort(order());
        ordered = List.copyOf(measured);
        if (current == null) {
          current = ordered.get(0);
          // Start at a random gateway of the region, as a balancer in front of its nodes would spread clients.
          endpointIndex = java.util.concurrent.ThreadLocalRandom.current().nextInt(current.endpoints().size());
        } else {
          // Keep the current region, with its fresh measurement, unless it vanished from the list.
          current = ordered.stream().filter(r -> r.name().equals(current.name())).findFirst().orElse(ordered.get(0));
        }
        return Future.succeededFuture(true);
      });
    });
  }

  void connected() {
    failures = 0;
    refusedEndpoints.clear();
  }

  /**
   * Records a failed attempt on the current endpoint. Returns a future that completes once the next target is
   * chosen: the next endpoint of the region, or, after {@code failoverAfter} failures, the best other region.
   * The string is the reason for the UI when the region changed, null otherwise.
   */
  Future<String> attemptFailed() {
    return attemptFailed(false);
  }

  /**
   * @param refused the endpoint refused the connection (nothing listens: its process is gone, not just slow). Once
   *                every endpoint of the region refused in this round, the region is left at once rather than after
   *                {@code failoverAfter} attempts: a dead region costs its users one round of backoff, not three.
   */
  Future<String> attemptFailed(boolean refused) {
    failures++;
    if (refused && current != null) {
      refusedEndpoints.add(Math.floorMod(endpointIndex, current.endpoints().size()));
    }
    boolean allRefused = current != null && refusedEndpoints.size() >= current.endpoints().size();
    if (failures < failoverAfter && !allRefused) {
      endpointIndex++;
      return Future.succeededFuture(null);
    }
    refusedEndpoints.clear();
    int failedTimes = failures;
    Region failed = current;
    return refresh().map(known -> {
      Region next = ordered.stream().filter(r -> !r.name().equals(failed.name())).findFirst().orElse(failed);
      current = next;
      endpointIndex = java.util.concurrent.ThreadLocalRandom.current().nextInt(next.endpoints().size());
      failures = 0;
      return next.name().equals(failed.name()) ? null
          : "region " + failed.name() + " failed " + failedTimes + " times in a row: trying " + next.name();
    });
  }

  private Comparator<Region> order() {
    Comparator<Region> preferred = Comparator.comparingInt(r -> {
      int i = preference.indexOf(r.name());
      return i < 0 ? Integer.MAX_VALUE : i;
    });
    return preferred
        .thenComparing(r -> !r.reachable())
        .thenComparing(r -> Boolean.FALSE.equals(r.healthy()))
        .thenComparingLong(Region::rttMs);
  }

  private Future<List<Region>> fetchFrom(List<String> sources, int index) {
    if (index >= sources.size()) {
      return Future.succeededFuture(null);
    }
    return get(sources.get(index) + "/api/regions").compose(body -> {
      List<Region> regions = new ArrayList<>();
      for (Object o : body.getJsonArray("regions")) {
        regions.add(Region.fromJson((JsonObject) o));
      }
      return regions.isEmpty() ? Future.failedFuture("empty region list") : Future.succeededFuture(regions);
    }).recover(failure -> fetchFrom(sources, index + 1));
  }

  /** The round trip of a {@code GET /health} answered 200 by any endpoint of the region. */
  private Future<Region> probe(Region region) {
    long begin = System.nanoTime();
    Region.Endpoint endpoint = region.endpoints().get(0);
    return get(endpoint.httpUrl() + "/health")
        .map(ok -> region.withRtt(Math.max(0, (System.nanoTime() - begin) / 1_000_000)))
        .otherwise(region);
  }

  private Future<JsonObject> get(String url) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
        .setIdleTimeout(probeTimeoutMs).setConnectTimeout(probeTimeoutMs);
    return http.request(options).compose(request -> request.send()).compose(response -> {
      if (response.statusCode() != 200) {
        return response.body().transform(ignored -> Future.failedFuture(url + " answered " + response.statusCode()));
      }
      return response.body().map(buffer -> buffer.toJsonObject());
    });
  }
}
