package io.lattice.router;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.lattice.NodeIdentity;
import io.lattice.bus.BusErrors;
import io.lattice.metrics.LatticeMetrics;
import io.micrometer.core.instrument.Counter;
import io.lattice.model.Addresses;
import io.lattice.store.SessionDirectory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The session router: knows which gateway nodes of the region hold each user's connections (the
 * {@link SessionDirectory}) and delivers frames to them, one event-bus message per node, not per connection.
 *
 * <p>It also watches Hazelcast membership: when a node dies, every survivor removes that node's sessions (removal is
 * idempotent, so all of them doing it is harmless) instead of waiting for the TTL.
 */
public final class RouterVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RouterVerticle.class);
  /** Hazelcast member uuid -> Lattice node id, so a dead member can be named. */
  public static final String NODES_MAP = "lattice.nodes";

  private final NodeIdentity node;
  private final SessionDirectory sessions;
  private final HazelcastInstance hazelcast;
  private final Clock clock;
  private RegionLocator regions;
  private boolean mesh;
  private Duration ttl;
  private UUID membershipListener;

  public RouterVerticle(NodeIdentity node, SessionDirectory sessions, HazelcastInstance hazelcast, Clock clock) {
    this.clock = clock;
    this.node = node;
    this.sessions = sessions;
    this.hazelcast = hazelcast;
  }

  @Override
  public Future<?> start() {
    ttl = Duration.ofSeconds(config().getLong("sessionTtlSeconds", 60L));
    mesh = config().getBoolean("mesh", false);
    regions = new RegionLocator(vertx, node.region(), clock,
        Duration.ofMillis(config().getLong("regionCacheMillis", 10_000L)), cacheCounter("hit"), cacheCounter("miss"));
    var bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.PRESENCE_CHANGED, m -> regions.changed(m.body()));
    return Future.all(List.of(
        bus.localConsumer(Addresses.ROUTER_REGISTER, BusErrors.handler(this::register)).completion(),
        bus.localConsumer(Addresses.ROUTER_UNREGISTER, BusErrors.handler(this::unregister)).completion(),
        bus.localConsumer(Addresses.ROUTER_REFRESH, BusErrors.handler(this::refresh)).completion(),
        bus.localConsumer(Addresses.ROUTER_LOOKUP, BusErrors.handler(this::lookup)).completion(),
        bus.localConsumer(Addresses.ROUTER_DELIVER, BusErrors.handler(this::deliver)).completion(),
        watchMembership()));
  }

  /** Hazelcast proxy creation and listener registration talk to the cluster: done off the event loop. */
  private Future<Void> watchMembership() {
    return vertx.executeBlocking(() -> {
      IMap<String, String> nodes = hazelcast.getMap(NODES_MAP);
      membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          context.runOnContext(v -> nodeLeft(nodes, event.getMember().getUuid().toString()));
        }
      });
      nodes.set(hazelcast.getCluster().getLocalMember().getUuid().toString(), node.nodeId());
      return null;
    });
  }

  private void nodeLeft(IMap<String, String> nodes, String memberUuid) {
    io.lattice.bus.Stages.onContext(context, nodes.getAsync(memberUuid)).compose(nodeId -> {
      if (nodeId == null || nodeId.equals(node.nodeId())) {
        return Future.succeededFuture();
      }
      LOG.warn("node {} left the region; dropping its sessions", nodeId);
      vertx.eventBus().publish(Addresses.NODE_LEFT, new JsonObject().put("nodeId", nodeId));
      return sessions.removeNode(nodeId);
    }).onFailure(e -> LOG.warn("could not drop sessions of member {}: {}", memberUuid, e.toString()));
  }

  private Future<JsonObject> register(JsonObject request) {
    return sessions.register(request.getString("userId"), request.getString("nodeId"), ttl).map(new JsonObject());
  }

  private Future<JsonObject> unregister(JsonObject request) {
    return sessions.unregister(request.getString("userId"), request.getString("nodeId")).map(new JsonObject());
  }

  private Future<JsonObject> refresh(JsonObject request) {
    List<String> users = strings(request.getJsonArray("userIds"));
    return sessions.refresh(users, request.getString("nodeId"), ttl).map(new JsonObject());
  }

  private Future<JsonObject> lookup(JsonObject request) {
    return sessions.lookup(strings(request.getJsonArray("userIds"))).map(found -> {
      JsonObject users = new JsonObject();
      found.forEach((user, nodes) -> users.put(user, new JsonArray(List.copyOf(nodes))));
      return new JsonObject().put("users", users);
    });
  }

  /**
   * Delivers frames ({@code frames}, or a single {@code frame}) to users wherever they are connected: one message per
   * gateway node of this region holding any of them, and, for users connected only in other regions, one live
   * forward per destination region (not per user), carrying {@code messages} and {@code conversation} when given so
   * the destination can store them. With {@code localOnly} (traffic that came from another region) nothing leaves
   * the region. Replies with the users connected nowhere ({@code offline}).
   */
  private Future<JsonObject> deliver(JsonObject request) {
    JsonArray frames = request.getJsonArray("frames");
    if (frames == null) {
      frames = new JsonArray().add(request.getJsonObject("frame"));
    }
    JsonArray batch = frames;
    boolean localOnly = !mesh || request.getBoolean("localOnly", false);
    return sessions.lookup(strings(request.getJsonArray("userIds"))).compose(found -> {
      Map<String, JsonArray> byNode = new HashMap<>();
      List<String> notHere = new ArrayList<>();
      found.forEach((user, nodes) -> {
        if (nodes.isEmpty()) {
          notHere.add(user);
        }
        for (String nodeId : nodes) {
          byNode.computeIfAbsent(nodeId, n -> new JsonArray()).add(user);
        }
      });
      byNode.forEach((nodeId, users) -> vertx.eventBus().send(Addresses.gatewayNode(nodeId),
          new JsonObject().put("userIds", users).put("frames", batch)));
      if (localOnly || notHere.isEmpty()) {
        return Future.succeededFuture(new JsonObject().put("offline", new JsonArray(notHere)));
      }
      return regions.locate(notHere).map(where -> forwardElsewhere(request, batch, notHere, where));
    });
  }

  private JsonObject forwardElsewhere(JsonObject request, JsonArray frames, List<String> users,
                                      Map<String, Set<String>> where) {
    Map<String, JsonArray> byRegion = new HashMap<>();
    JsonArray offline = new JsonArray();
    for (String user : users) {
      Set<String> live = where.getOrDefault(user, Set.of());
      boolean elsewhere = false;
      for (String region : live) {
        if (!region.equals(node.region())) {
          byRegion.computeIfAbsent(region, r -> new JsonArray()).add(user);
          elsewhere = true;
        }
      }
      if (!elsewhere) {
        offline.add(user);
      }
    }
    byRegion.forEach((region, regionUsers) -> {
      JsonObject forward = new JsonObject().put("destinationRegion", region).put("userIds", regionUsers)
          .put("frames", frames);
      if (request.getJsonArray("messages") != null) {
        forward.put("messages", request.getJsonArray("messages"))
            .put("conversation", request.getJsonObject("conversation"));
      }
      vertx.eventBus().send(Addresses.MESH_FORWARD, forward);
    });
    return new JsonObject().put("offline", offline).put("forwardedTo", new JsonArray(List.copyOf(byRegion.keySet())));
  }

  /** The region cache's hit rate is the router's figure of merit: every miss is a presence read on the send path. */
  private Counter cacheCounter(String result) {
    return Counter.builder(LatticeMetrics.ROUTER_CACHE_LOOKUPS)
        .description("region lookups of the session router, answered from its cache (hit) or presence (miss)")
        .tag("region", node.region()).tag("node", node.nodeId()).tag("result", result)
        .register(LatticeMetrics.registry());
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(v -> out.add((String) v));
    }
    return out;
  }

  @Override
  public Future<?> stop() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    return sessions.removeNode(node.nodeId());
  }

}
