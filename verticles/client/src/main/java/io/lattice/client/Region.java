package io.lattice.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A region as {@code GET /api/regions} lists it, with the client's own measurement of it.
 *
 * @param endpoints the region's gateways: the region's balanced address, or (when the server lists {@code nodes})
 *                  each node; the client rotates through them before giving up on the region
 * @param healthy   what the answering region last saw (null: not probed yet)
 * @param rttMs     this client's round trip to the region's {@code /health}, or {@code Long.MAX_VALUE} when it did
 *                  not answer
 */
public record Region(String name, List<Endpoint> endpoints, Boolean healthy, long rttMs) {

  /** One gateway: its HTTP base URL and its WebSocket URL. */
  public record Endpoint(String httpUrl, String wsUrl) {
  }

  public Region {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("region " + name + " has no endpoint");
    }
  }

  public Region withRtt(long rtt) {
    return new Region(name, endpoints, healthy, rtt);
  }

  public boolean reachable() {
    return rttMs != Long.MAX_VALUE;
  }

  /** One entry of {@code /api/regions}: {@code {"name","httpUrl","wsUrl","healthy","nodes"?:[{"httpUrl","wsUrl"}]}}. */
  public static Region fromJson(JsonObject json) {
    List<Endpoint> endpoints = new ArrayList<>();
    JsonArray nodes = json.getJsonArray("nodes");
    if (nodes != null) {
      for (Object o : nodes) {
        JsonObject node = (JsonObject) o;
        endpoints.add(new Endpoint(node.getString("httpUrl"), node.getString("wsUrl")));
      }
    }
    if (endpoints.isEmpty()) {
      endpoints.add(new Endpoint(json.getString("httpUrl"), json.getString("wsUrl")));
    }
    return new Region(json.getString("name"), endpoints, json.getBoolean("healthy"), Long.MAX_VALUE);
  }
}
