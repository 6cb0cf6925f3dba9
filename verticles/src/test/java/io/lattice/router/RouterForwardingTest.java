package io.lattice.router;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.NodeIdentity;
import io.lattice.model.Addresses;
import io.lattice.store.SessionDirectory;
import io.lattice.store.TestVertx;
import io.lattice.store.embedded.EmbeddedHazelcast;
import io.lattice.store.embedded.HazelcastSessionDirectory;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router's cross-region routing: users connected on this region's gateways get the frames here; users connected
 * only elsewhere cost one live forward per destination region (not per user); users connected nowhere are reported
 * offline (for push); traffic that came from another region never leaves again.
 */
class RouterForwardingTest {
  private static final String HERE = "us-east";

  private Vertx vertx;
  private HazelcastInstance hazelcast;
  private SessionDirectory sessions;
  private final List<JsonObject> forwards = new CopyOnWriteArrayList<>();
  private final List<JsonObject> gatewayInbox = new CopyOnWriteArrayList<>();
  private final Map<String, Set<String>> liveRegions = new HashMap<>();
  private final AtomicInteger presenceReads = new AtomicInteger();

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    hazelcast = EmbeddedHazelcast.start(RouterForwardingTest.class);
    sessions = await(vertx.executeBlocking(() -> new HazelcastSessionDirectory(vertx, hazelcast, Clock.systemUTC())));
    var bus = vertx.eventBus();
    await(bus.<JsonObject>localConsumer(Addresses.MESH_FORWARD, m -> forwards.add(m.body())).completion());
    await(bus.<JsonObject>consumer(Addresses.gatewayNode("n1"), m -> gatewayInbox.add(m.body())).completion());
    // The presence verticle's answer: the replicated presence CRDT's live regions of each user.
    await(bus.<JsonObject>localConsumer(Addresses.PRESENCE_GET, m -> {
      presenceReads.incrementAndGet();
      JsonArray out = new JsonArray();
      for (Object u : m.body().getJsonArray("userIds")) {
        JsonObject regions = new JsonObject();
        liveRegions.getOrDefault((String) u, Set.of()).forEach(r -> regions.put(r, 1));
        out.add(new JsonObject().put("userId", u).put("online", !regions.isEmpty()).put("regions", regions));
      }
      m.reply(new JsonObject().put("presence", out));
    }).completion());
    NodeIdentity node = NodeIdentity.of(new JsonObject().put("region", HERE).put("node", "n1"));
    await(vertx.deployVerticle(new RouterVerticle(node, sessions, hazelcast, Clock.systemUTC()),
        new DeploymentOptions().setConfig(new JsonObject().put("mesh", true))));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
    hazelcast.shutdown();
  }

  @Test
  void a_500_member_group_over_three_regions_costs_one_forward_per_other_region() {
    List<String> members = new ArrayList<>();
    List<Future<Void>> registered = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String user = "u" + i;
      members.add(user);
      switch (i % 4) {
        case 0 -> {
          registered.add(sessions.register(user, "n1", Duration.ofMinutes(1)));
          liveRegions.put(user, Set.of(HERE));
        }
        case 1 -> liveRegions.put(user, Set.of("eu-west"));
        case 2 -> liveRegions.put(user, Set.of("ap-northeast", "eu-west"));
        default -> { } // connected nowhere
      }
    }
    await(Future.all(registered));

    JsonObject reply = deliver(new JsonObject().put("userIds", new JsonArray(members))
        .put("frames", new JsonArray().add(new JsonObject().put("type", "message")))
        .put("messages", new JsonArray().add(new JsonObject().put("messageId", "m-1")))
        .put("conversation", new JsonObject().put("conversationId", "g-1")));

    TestVertx.eventually("local delivery and forwards", () -> gatewayInbox.size() == 1 && forwards.size() == 2);
    assertThat(gatewayInbox.get(0).getJsonArray("userIds")).hasSize(125);
    Map<String, Set<Object>> byRegion = new HashMap<>();
    forwards.forEach(f -> byRegion.put(f.getString("destinationRegion"),
        new HashSet<>(f.getJsonArray("userIds").getList())));
    assertThat(byRegion.keySet()).containsExactlyInAnyOrder("eu-west", "ap-northeast");
    assertThat(byRegion.get("eu-west")).hasSize(250);
    assertThat(byRegion.get("ap-northeast")).hasSize(125);
    assertThat(forwards).allSatisfy(f -> {
      assertThat(f.getJsonArray("messages")).hasSize(1);
      assertThat(f.getJsonObject("conversation").getString("conversationId")).isEqualTo("g-1");
    });
    assertThat(reply.getJsonArray("offline")).hasSize(125);
    assertThat(reply.getJsonArray("offline").getList()).allSatisfy(u ->
        assertThat(Integer.parseInt(((String) u).substring(1)) % 4).isEqualTo(3));
  }

  @Test
  void traffic_from_another_region_is_delivered_here_only() {
    await(sessions.register("bob", "n1", Duration.ofMinutes(1)));
    liveRegions.put("carol", Set.of("eu-west"));
    JsonObject reply = deliver(new JsonObject().put("userIds", new JsonArray().add("bob").add("carol"))
        .put("frame", new JsonObject().put("type", "typing")).put("localOnly", true));
    TestVertx.eventually("bob gets it", () -> gatewayInbox.size() == 1);
    assertThat(forwards).isEmpty();
    assertThat(presenceReads.get()).isZero();
    assertThat(reply.getJsonArray("offline").getList()).containsExactly("carol");
  }

  @Test
  void repeated_sends_read_presence_once_and_follow_presence_events() {
    liveRegions.put("dave", Set.of("eu-west"));
    JsonObject frame = new JsonObject().put("type", "typing");
    for (int i = 0; i < 5; i++) {
      deliver(new JsonObject().put("userIds", new JsonArray().add("dave")).put("frame", frame));
    }
    assertThat(presenceReads.get()).isEqualTo(1);
    TestVertx.eventually("five forwards", () -> forwards.size() == 5);
    assertThat(forwards).allSatisfy(f -> assertThat(f.getString("destinationRegion")).isEqualTo("eu-west"));

    // dave moves to ap-northeast: the presence event updates the cached location without another read.
    vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, new JsonObject().put("userId", "dave").put("online", true)
        .put("regions", new JsonObject().put("ap-northeast", 1)));
    TestVertx.eventually("forward follows the move", () -> {
      forwards.clear();
      deliver(new JsonObject().put("userIds", new JsonArray().add("dave")).put("frame", frame));
      return forwards.size() == 1 && forwards.get(0).getString("destinationRegion").equals("ap-northeast");
    });
    assertThat(presenceReads.get()).isEqualTo(1);
  }

  private JsonObject deliver(JsonObject request) {
    return await(vertx.eventBus().<JsonObject>request(Addresses.ROUTER_DELIVER, request)).body();
  }
}
