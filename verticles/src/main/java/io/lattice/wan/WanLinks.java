package io.lattice.wan;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The simulated WAN links of one region: one {@link WanLink} per (this region, remote service) pair, built from
 * a JSON block, started and stopped together, and looked up by name to cut, restore or re-delay at runtime.
 *
 * <h2>Configuration</h2>
 *
 * <pre>{@code
 * {
 *   "links": [
 *     {
 *       "name": "eu-west-kafka",       // required, unique within the region; used by cut/restore
 *       "listenHost": "127.0.0.1",     // optional, default 127.0.0.1 (loopback only)
 *       "listenPort": 0,               // optional, default 0 = any free port (see WanLink#port() after start)
 *       "target": "127.0.0.1:19093",   // required, host:port of the remote service (e.g. that region's broker)
 *       "oneWayDelayMs": 40,           // optional, default 0; applied in each direction, so RTT adds 2x
 *       "maxHeldBytes": 4194304        // optional, default 4 MiB; bytes one direction of one connection may hold
 *     }
 *   ]
 * }
 * }</pre>
 *
 * <p>A missing or empty {@code links} array gives no links. Names must be unique. Unknown keys are ignored. The
 * demo's one-way delays are us-east&lt;-&gt;eu-west 40 ms, us-east&lt;-&gt;ap-northeast 80 ms,
 * eu-west&lt;-&gt;ap-northeast 110 ms; each region configures, for each other region, a link to that region's
 * broker with the pair's delay. A link delays both directions of its connections, so one link per consumer region
 * and remote service models the pair's path for that traffic.
 */
public final class WanLinks {

  private final Map<String, WanLink> links;

  private WanLinks(Map<String, WanLink> links) {
    this.links = Collections.unmodifiableMap(links);
  }

  /** Builds (but does not start) the links described by {@code config}; see the class documentation. */
  public static WanLinks fromJson(Vertx vertx, JsonObject config) {
    Map<String, WanLink> links = new LinkedHashMap<>();
    JsonArray array = config == null ? null : config.getJsonArray("links");
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        Object entry = array.getValue(i);
        if (!(entry instanceof JsonObject json)) {
          throw new IllegalArgumentException("links[" + i + "] is not an object");
        }
        WanLink link = linkFromJson(vertx, json, i);
        if (links.putIfAbsent(link.name(), link) != null) {
          throw new IllegalArgumentException("links[" + i + "]: duplicate link name " + link.name());
        }
      }
    }
    return new WanLinks(links);
  }

  private static WanLink linkFromJson(Vertx vertx, JsonObject json, int index) {
    String where = "links[" + index + "]";
    String name = json.getString("name");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(where + ": name is required");
    }
    where = where + " (" + name + ")";
    String target = json.getString("target");
    if (target == null) {
      throw new IllegalArgumentException(where + ": target host:port is required");
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || colon == target.length() - 1) {
      throw new IllegalArgumentException(where + ": target must be host:port, got " + target);
    }
    String targetHost = target.substring(0, colon);
    if (targetHost.startsWith("[") && targetHost.endsWith("]")) {
      targetHost = targetHost.substring(1, targetHost.length() - 1);
    }
    int targetPort;
    try {
      targetPort = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(where + ": bad target port in " + target);
    }
    try {
      long delayMs = json.getLong("oneWayDelayMs", 0L);
      long maxHeld = json.getLong("maxHeldBytes", WanLink.DEFAULT_MAX_HELD_BYTES);
      return new WanLink(vertx, name, json.getString("listenHost", "127.0.0.1"), json.getInteger("listenPort", 0),
          targetHost, targetPort, Duration.ofMillis(delayMs), maxHeld);
    } catch (ClassCastException | IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** Starts every link; fails (after stopping the ones that started) if any cannot listen. */
  public Future<Void> start() {
    List<Future<Integer>> started = new ArrayList<>();
    for (WanLink link : links.values()) {
      started.add(link.start());
    }
    return Future.join(started).transform(ar -> ar.succeeded()
        ? Future.<Void>succeededFuture()
        : stop().transform(ignored -> Future.<Void>failedFuture(ar.cause())));
  }

  /** Stops every link. */
  public Future<Void> stop() {
    List<Future<Void>> stopped = new ArrayList<>();
    for (WanLink link : links.values()) {
      stopped.add(link.stop());
    }
    return Future.join(stopped).mapEmpty();
  }

  public Optional<WanLink> find(String name) {
    return Optional.ofNullable(links.get(name));
  }

  /** The link called {@code name}; {@link NoSuchElementException} if there is none. */
  public WanLink get(String name) {
    WanLink link = links.get(name);
    if (link == null) {
      throw new NoSuchElementException("no WAN link named " + name + " (have " + links.keySet() + ")");
    }
    return link;
  }

  public Future<Void> cut(String name) {
    return get(name).cut();
  }

  public Future<Void> restore(String name) {
    return get(name).restore();
  }

  /** The links in configuration order. */
  public List<WanLink> all() {
    return List.copyOf(links.values());
  }
}
