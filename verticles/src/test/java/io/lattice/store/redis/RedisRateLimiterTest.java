package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.RateLimiter;
import io.vertx.core.Future;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link RedisRateLimiter} and its script, standalone and cluster; the clock stands still unless moved. */
class RedisRateLimiterTest {

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void aBucketStartsFullEmptiesAndRefillsByTheClock(boolean cluster) {
    RateLimiter limiter = redis.open(cluster, clock).rateLimiter();
    for (int i = 0; i < 3; i++) {
      assertThat(await(limiter.tryTake("alice", 2, 3))).isZero();
    }
    assertThat(await(limiter.tryTake("alice", 2, 3))).isEqualTo(500); // 2 per second: a token every 500 ms
    assertThat(await(limiter.tryTake("bob", 2, 3))).isZero(); // buckets are independent

    clock.advance(Duration.ofMillis(300));
    assertThat(await(limiter.tryTake("alice", 2, 3))).isEqualTo(200);
    clock.advance(Duration.ofMillis(200));
    assertThat(await(limiter.tryTake("alice", 2, 3))).isZero();
    clock.advance(Duration.ofHours(1)); // refills up to the burst, not beyond
    for (int i = 0; i < 3; i++) {
      assertThat(await(limiter.tryTake("alice", 2, 3))).isZero();
    }
    assertThat(await(limiter.tryTake("alice", 2, 3))).isPositive();
    assertThat(awaitFailure(limiter.tryTake("alice", 0, 3))).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentTakesFromManyNodesNeverExceedTheBurst(boolean cluster) {
    String prefixShared = RedisTestSupport.block(cluster).getString("keyPrefix");
    List<RateLimiter> nodes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      // Six "nodes", each with its own client, on the same keys.
      nodes.add(redis.open(RedisTestSupport.block(cluster).put("keyPrefix", prefixShared), clock).rateLimiter());
    }
    List<Future<Long>> takes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      takes.add(nodes.get(i % nodes.size()).tryTake("group-1", 1, 40));
    }
    await(Future.all(takes));

    assertThat(takes.stream().filter(f -> f.result() == 0L).count()).isEqualTo(40);
  }
}
