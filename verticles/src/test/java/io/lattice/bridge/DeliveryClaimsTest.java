package io.lattice.bridge;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.store.TestVertx;
import io.lattice.store.embedded.EmbeddedHazelcast;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Exactly one copy of a replicated message wins its delivery claim, however many race for it. */
class DeliveryClaimsTest {
  private Vertx vertx;
  private HazelcastInstance hazelcast;

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    hazelcast = EmbeddedHazelcast.start(DeliveryClaimsTest.class);
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
    hazelcast.shutdown();
  }

  @Test
  void one_claim_wins_among_concurrent_copies() {
    DeliveryClaims claims = DeliveryClaims.hazelcast(vertx, hazelcast, Duration.ofMinutes(5));
    for (int m = 0; m < 20; m++) {
      List<Future<Boolean>> racing = new ArrayList<>();
      for (int copy = 0; copy < 5; copy++) {
        racing.add(claims.claim("m-" + m));
      }
      await(Future.all(racing));
      assertThat(racing.stream().filter(Future::result).count()).as("winners for m-%d", m).isEqualTo(1);
    }
  }

  @Test
  void in_memory_claims_behave_the_same_for_one_bridge() {
    DeliveryClaims claims = DeliveryClaims.inMemory();
    assertThat(await(claims.claim("m-1"))).isTrue();
    assertThat(await(claims.claim("m-1"))).isFalse();
    assertThat(await(claims.claim("m-2"))).isTrue();
  }
}
