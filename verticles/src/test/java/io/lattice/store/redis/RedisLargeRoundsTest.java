package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A heartbeat round over far more users than the shared connection may have requests in flight
 * ({@code maxWaitingHandlers}): the adapters send in windows of {@link RedisSupport#MAX_IN_FLIGHT}, so the round
 * succeeds instead of failing with a full waiting queue.
 */
class RedisLargeRoundsTest {

  private static final int USERS = 3_000;
  private static final Duration TTL = Duration.ofSeconds(60);

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void roundsOverThousandsOfUsersSucceedWithASmallWaitingQueue(boolean cluster) {
    JsonObject block = RedisTestSupport.block(cluster).put("maxWaitingHandlers", 300);
    RedisStores stores = redis.open(block, Clock.systemUTC());
    List<String> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add("user-" + i);
    }

    await(stores.sessions().refresh(users, "node-1", TTL));
    Map<String, Set<String>> found = await(stores.sessions().lookup(users));
    assertThat(found).hasSize(USERS).allSatisfy((user, nodes) -> assertThat(nodes).containsExactly("node-1"));

    List<Future<PresenceState>> reports = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      reports.add(stores.presence().report(users.get(i), "us-east", "node-1", 1, TTL));
    }
    await(Future.all(reports));
    Map<String, PresenceState> refreshed = await(stores.presence().refresh(users, "us-east", "node-1",
        TTL.multipliedBy(2)));
    assertThat(refreshed).hasSize(200); // only the users the node reported

    await(stores.sessions().removeNode("node-1"));
    assertThat(await(stores.sessions().lookup(users)).values()).allSatisfy(nodes -> assertThat(nodes).isEmpty());
    assertThat(await(stores.presence().removeNode("us-east", "node-1"))).hasSize(200);
  }
}
