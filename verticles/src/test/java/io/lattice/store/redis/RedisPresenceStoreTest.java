package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.PresenceStore;
import io.lattice.store.PresenceStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** The presence store contract on the standalone Redis server, plus what is specific to the Redis adapter. */
class RedisPresenceStoreTest extends PresenceStoreContract {

  protected boolean cluster() {
    return false;
  }

  @Override
  protected Future<PresenceStore> createStore(Vertx vertx, MutableClock clock) {
    return RedisTestSupport.open(vertx, cluster(), clock).map(RedisStores::presence);
  }

  /** The embedded adapter loses this refresh (it stores only when the slot changes): see PresenceLua. */
  @Test
  void aRefreshThatDoesNotMoveTheSlotsExpiryIsKept() {
    String alice = user("alice");
    await(store.report(alice, HERE, "node-1", 1, TTL));
    await(store.report(alice, HERE, "node-2", 1, TTL.multipliedBy(3)));
    clock.advance(TTL.minusSeconds(5));
    await(store.refresh(List.of(alice), HERE, "node-1", TTL));
    clock.advance(Duration.ofSeconds(10));

    assertThat(await(store.get(alice)).liveCount(clock.millis())).isEqualTo(2);
  }

  @Test
  void aRegionNameWithAColonIsRejected() {
    assertThat(awaitFailure(store.report(user("alice"), "us:east", "node-1", 1, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
