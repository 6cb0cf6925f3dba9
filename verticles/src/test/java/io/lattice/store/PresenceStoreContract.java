package io.lattice.store;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link PresenceStore} contract, for every adapter: extend it and implement {@link #createStore}. The clock
 * stands still unless a test moves it, so versions must increase without help from the time.
 */
@ExtendWith(VertxExtension.class)
public abstract class PresenceStoreContract {

  protected static final String HERE = "us-east";
  protected static final Duration TTL = Duration.ofSeconds(30);

  protected Vertx vertx;
  protected MutableClock clock;
  protected PresenceStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** An empty store whose expiries and versions are computed with {@code clock}. */
  protected abstract Future<PresenceStore> createStore(Vertx vertx, MutableClock clock);

  @BeforeEach
  void openStore() {
    vertx = TestVertx.create();
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    store = await(createStore(vertx, clock));
  }

  @AfterEach
  void closeVertx() {
    await(vertx.close());
  }

  protected String user(String name) {
    return name + "-" + run;
  }

  private long now() {
    return clock.millis();
  }

  private PresenceSlot here(PresenceState state) {
    return state.slots().get(HERE);
  }

  @Test
  void reportDerivesThisRegionsSlotFromTheNodes() {
    String alice = user("alice");
    PresenceState one = await(store.report(alice, HERE, "node-1", 2, TTL));
    PresenceState two = await(store.report(alice, HERE, "node-2", 1, TTL.multipliedBy(2)));

    assertThat(here(one).count()).isEqualTo(2);
    assertThat(here(one).expiresAt()).isEqualTo(now() + TTL.toMillis());
    assertThat(here(two).count()).isEqualTo(3);
    assertThat(here(two).expiresAt()).isEqualTo(now() + 2 * TTL.toMillis());
    assertThat(here(two).version()).isGreaterThan(here(one).version());
    assertThat(two.liveCount(now())).isEqualTo(3);
    assertThat(await(store.get(alice))).isEqualTo(two);
    assertThat(await(store.get(user("nobody"))).slots()).isEmpty();
  }

  @Test
  void reportsAreAbsoluteAndDecrementsWinWithANewerVersion() {
    String alice = user("alice");
    PresenceState up = await(store.report(alice, HERE, "node-1", 2, TTL));
    PresenceState same = await(store.report(alice, HERE, "node-1", 2, TTL)); // idempotent
    PresenceState down = await(store.report(alice, HERE, "node-1", 1, TTL));
    PresenceState gone = await(store.report(alice, HERE, "node-1", 0, TTL));

    assertThat(same).isEqualTo(up);
    assertThat(here(down).count()).isEqualTo(1);
    assertThat(here(down).version()).isGreaterThan(here(up).version());
    assertThat(gone.online(now())).isFalse();
    assertThat(here(gone).version()).isGreaterThan(here(down).version());
    // The decrement survives a merge with the older state, which is the point of versioned slots.
    assertThat(up.merge(gone).online(now())).isFalse();
  }

  @Test
  void aNodesReportExpiresAfterItsTtl() {
    String alice = user("alice");
    await(store.report(alice, HERE, "node-1", 2, TTL));
    PresenceState both = await(store.report(alice, HERE, "node-2", 1, TTL.multipliedBy(4)));
    clock.advance(TTL.plusSeconds(1));

    PresenceState later = await(store.get(alice));
    assertThat(later.liveCount(now())).isEqualTo(1);
    assertThat(here(later).version()).isGreaterThan(here(both).version());

    clock.advance(TTL.multipliedBy(4));
    assertThat(await(store.get(alice)).online(now())).isFalse();
  }

  @Test
  void refreshKeepsReportsAlive() {
    String alice = user("alice");
    String bob = user("bob");
    await(store.report(alice, HERE, "node-1", 1, TTL));
    PresenceState before = await(store.report(bob, HERE, "node-1", 1, TTL));
    clock.advance(TTL.minusSeconds(5));

    await(store.refresh(List.of(alice, user("never-reported")), HERE, "node-1", TTL));
    await(store.refresh(List.of(), HERE, "node-1", TTL));
    clock.advance(Duration.ofSeconds(10));

    PresenceState alive = await(store.get(alice));
    assertThat(alive.online(now())).isTrue();
    assertThat(here(alive).version()).isGreaterThan(here(before).version()); // the new expiry must replicate
    assertThat(await(store.get(bob)).online(now())).isFalse();
    assertThat(await(store.get(user("never-reported"))).slots()).isEmpty();
  }

  @Test
  void removeNodeDropsItsReportsAndReturnsTheUsersThatChanged() {
    String alice = user("alice");
    String bob = user("bob");
    String carol = user("carol");
    await(store.report(alice, HERE, "node-1", 1, TTL));
    await(store.report(alice, HERE, "node-2", 1, TTL));
    await(store.report(bob, HERE, "node-1", 3, TTL));
    await(store.report(carol, HERE, "node-2", 1, TTL));

    Map<String, PresenceState> changed = await(store.removeNode(HERE, "node-1"));

    assertThat(changed).containsOnlyKeys(alice, bob);
    assertThat(changed.get(alice).liveCount(now())).isEqualTo(1);
    assertThat(changed.get(bob).online(now())).isFalse();
    assertThat(await(store.get(alice))).isEqualTo(changed.get(alice));
    assertThat(await(store.get(carol)).liveCount(now())).isEqualTo(1);
    assertThat(await(store.removeNode(HERE, "node-1"))).isEmpty();
  }

  @Test
  void mergeRemoteAddsOtherRegionsSlotsLastWriterWins() {
    String alice = user("alice");
    await(store.report(alice, HERE, "node-1", 1, TTL));
    long exp = now() + 60_000;
    PresenceState fromEu = PresenceState.of("eu-west", new PresenceSlot(2, 10, exp));

    Map<String, PresenceState> merged = await(store.mergeRemote(Map.of(alice, fromEu, user("bob"), fromEu)));
    assertThat(merged.get(alice).liveRegions(now())).containsOnly(Map.entry(HERE, 1L), Map.entry("eu-west", 2L));
    assertThat(merged.get(user("bob")).liveCount(now())).isEqualTo(2);

    // An older version changes nothing; a newer one wins even with a lower count.
    await(store.mergeRemote(Map.of(alice, PresenceState.of("eu-west", new PresenceSlot(5, 9, exp)))));
    assertThat(await(store.get(alice)).slots().get("eu-west")).isEqualTo(new PresenceSlot(2, 10, exp));
    await(store.mergeRemote(Map.of(alice, PresenceState.of("eu-west", new PresenceSlot(0, 11, exp)))));
    PresenceState now = await(store.get(alice));
    assertThat(now.liveRegions(now())).containsOnly(Map.entry(HERE, 1L));
    assertThat(await(store.mergeRemote(Map.of()))).isEmpty();
  }

  @Test
  void aRemoteSlotFadesOutAtItsExpiry() {
    String alice = user("alice");
    await(store.mergeRemote(Map.of(alice, PresenceState.of("eu-west", new PresenceSlot(2, 1, now() + 5_000)))));
    assertThat(await(store.get(alice)).online(now())).isTrue();
    clock.advance(Duration.ofSeconds(6));
    assertThat(await(store.get(alice)).online(now())).isFalse();
  }

  @Test
  void concurrentReportsOfManyNodesForOneUserAreAllCounted(VertxTestContext testContext) {
    String alice = user("alice");
    int nodes = 50;
    vertx.runOnContext(v -> {
      List<Future<PresenceState>> reports = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        reports.add(store.report(alice, HERE, "node-" + i, 2, TTL));
      }
      Future.all(reports).compose(done -> store.get(alice))
          .onComplete(testContext.succeeding(state -> testContext.verify(() -> {
            assertThat(state.liveCount(now())).isEqualTo(2L * nodes);
            // Every change got its own version.
            assertThat(reports.stream().map(f -> here(f.result()).version()).distinct().count()).isEqualTo(nodes);
            testContext.completeNow();
          })));
    });
  }

  @Test
  void futuresCompleteOnTheCallersContext(VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    String alice = user("alice");
    context.runOnContext(v -> store.report(alice, HERE, "node-1", 1, TTL)
        .compose(state -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return store.removeNode(HERE, "node-1");
        })
        .compose(changed -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return store.mergeRemote(Map.of(alice, PresenceState.EMPTY));
        })
        .onComplete(testContext.succeeding(merged -> testContext.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          testContext.completeNow();
        }))));
  }

  /**
   * A node's refresh counts even when another node's report already keeps the region's slot alive longer (the
   * embedded adapter once dropped such a refresh, so the first node's connections stopped counting at their old
   * expiry).
   */
  @Test
  void a_refresh_that_does_not_move_the_slots_expiry_is_kept() {
    String alice = user("alice");
    await(store.report(alice, HERE, "node-1", 1, TTL));
    await(store.report(alice, HERE, "node-2", 1, TTL.multipliedBy(3)));
    clock.advance(TTL.minusSeconds(5));
    await(store.refresh(java.util.List.of(alice), HERE, "node-1", TTL));
    clock.advance(Duration.ofSeconds(10));

    assertThat(await(store.get(alice)).liveCount(clock.millis())).isEqualTo(2);
  }
}
