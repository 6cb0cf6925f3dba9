package io.lattice.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The health of every configured region as this node sees it, for {@code /api/regions} (the client SDKs' stand-in
 * for geo-DNS): every {@code intervalMs} each other region's {@code /health} is probed directly (a client's path,
 * not the inter-region WAN), recording whether it answered 200 and how long it took. This node's own region counts
 * as healthy while this node serves. A region never probed yet is reported with {@code healthy: null}.
 *
 * <p>Threading: probes run on the gateway's event loop; results are read from any handler.
 */
final class RegionHealth {
  private static final long TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final String self;
  private final JsonArray regions;
  private final Clock clock;
  private final HttpClient client;
  private final Map<String, JsonObject> probes = new ConcurrentHashMap<>();

  RegionHealth(Vertx vertx, String self, JsonArray regions, Clock clock) {
    this.vertx = vertx;
    this.self = self;
    this.regions = regions == null ? new JsonArray() : regions;
    this.clock = clock;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MS)
        .setIdleTimeout(30).setKeepAlive(true));
  }

  void start(long intervalMs) {
    probeAll();
    vertx.setPeriodic(intervalMs, id -> probeAll());
  }

  private void probeAll() {
    for (Object r : regions) {
      JsonObject region = (JsonObject) r;
      String name = region.getString("name");
      String url = region.getString("httpUrl");
      if (name == null || url == null || name.equals(self)) {
        continue;
      }
      long begin = System.nanoTime();
      client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url + "/health")
              .setTimeout(TIMEOUT_MS))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> resp.statusCode()))
          .onComplete(ar -> probes.put(name, new JsonObject()
              .put("healthy", ar.succeeded() && ar.result() == 200)
              .put("rttMs", ar.succeeded() ? (System.nanoTime() - begin) / 1_000_000.0 : null)
              .put("checkedAt", clock.millis())));
    }
  }

  /** The configured regions, each with {@code healthy}, {@code rttMs} and {@code checkedAt}. */
  JsonArray snapshot() {
    JsonArray out = new JsonArray();
    for (Object r : regions) {
      JsonObject region = ((JsonObject) r).copy();
      if (self.equals(region.getString("name"))) {
        region.put("healthy", true).put("rttMs", 0.0).put("self", true);
      } else {
        JsonObject probe = probes.get(region.getString("name"));
        region.put("healthy", probe == null ? null : probe.getBoolean("healthy"));
        if (probe != null) {
          region.put("rttMs", probe.getValue("rttMs")).put("checkedAt", probe.getLong("checkedAt"));
        }
      }
      out.add(region);
    }
    return out;
  }
}
