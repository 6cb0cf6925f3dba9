package io.lattice.store;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.Merged;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link ReceiptStore} contract, for every adapter: extend it and implement {@link #createStore}. */
@ExtendWith(VertxExtension.class)
public abstract class ReceiptStoreContract {

  protected static final Duration RETENTION = Duration.ofDays(7);

  protected Vertx vertx;
  protected MutableClock clock;
  protected ReceiptStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** An empty store whose retention is measured with {@code clock}; closing it releases everything it holds. */
  protected abstract Future<ReceiptStore> createStore(Vertx vertx, Duration retention, MutableClock clock);

  @BeforeEach
  void openStore() {
    vertx = TestVertx.create();
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    store = await(createStore(vertx, RETENTION, clock));
  }

  @AfterEach
  void closeStore() {
    try {
      await(store.close());
    } finally {
      await(vertx.close());
    }
  }

  protected String message(int i) {
    return "m-" + run + "-" + i;
  }

  protected ReceiptKey key(int message, String recipient) {
    return new ReceiptKey(message(message), recipient);
  }

  protected static ReceiptUpdate update(ReceiptKey key, ReceiptState state) {
    return new ReceiptUpdate(key, state);
  }

  @Test
  void mergeStoresNewStatesAndReportsChanges() {
    ReceiptKey bob = key(1, "bob");
    List<Merged> first = await(store.merge(List.of(update(bob, ReceiptState.sent(3)))));
    List<Merged> again = await(store.merge(List.of(update(bob, ReceiptState.sent(3)))));

    assertThat(first).containsExactly(new Merged(bob, ReceiptState.sent(3), true));
    assertThat(again).containsExactly(new Merged(bob, ReceiptState.sent(3), false));
    assertThat(await(store.get(message(1)))).containsExactly(Map.entry("bob", ReceiptState.sent(3)));
    assertThat(await(store.get(message(2)))).isEmpty();
    assertThat(await(store.merge(List.of()))).isEmpty();
  }

  @Test
  void mergeTakesTheMaxPerFieldAndNeverGoesBackwards() {
    ReceiptKey bob = key(1, "bob");
    await(store.merge(List.of(update(bob, ReceiptState.read(9)))));
    await(store.merge(List.of(update(bob, ReceiptState.delivered(7)))));
    List<Merged> older = await(store.merge(List.of(update(bob, new ReceiptState(1, 2, 3)))));
    List<Merged> sent = await(store.merge(List.of(update(bob, ReceiptState.sent(4)))));

    assertThat(older).containsExactly(new Merged(bob, new ReceiptState(1, 7, 9), true));
    assertThat(sent).containsExactly(new Merged(bob, new ReceiptState(4, 7, 9), true));
    assertThat(await(store.get(message(1)))).containsEntry("bob", new ReceiptState(4, 7, 9));
  }

  @Test
  void aBatchMergesEveryKeyAndRepeatsInOrder() {
    ReceiptKey bob = key(1, "bob");
    ReceiptKey carol = key(1, "carol");
    ReceiptKey dave = key(2, "dave");
    List<Merged> merged = await(store.merge(List.of(
        update(bob, ReceiptState.delivered(5)),
        update(carol, ReceiptState.read(6)),
        update(bob, ReceiptState.read(8)),
        update(dave, ReceiptState.sent(1)),
        update(bob, ReceiptState.delivered(2)))));

    assertThat(merged).containsExactly(
        new Merged(bob, ReceiptState.delivered(5), true),
        new Merged(carol, ReceiptState.read(6), true),
        new Merged(bob, new ReceiptState(0, 5, 8), true),
        new Merged(dave, ReceiptState.sent(1), true),
        new Merged(bob, new ReceiptState(0, 5, 8), false));
    assertThat(await(store.get(message(1)))).containsOnly(
        Map.entry("bob", new ReceiptState(0, 5, 8)), Map.entry("carol", ReceiptState.read(6)));
    assertThat(await(store.get(message(2)))).containsOnly(Map.entry("dave", ReceiptState.sent(1)));
  }

  @Test
  void concurrentBatchMergesLoseNoField(VertxTestContext testContext) {
    Random random = new Random(42);
    List<ReceiptKey> keys = List.of(key(1, "a"), key(1, "b"), key(1, "c"), key(2, "a"), key(2, "b"));
    Map<ReceiptKey, ReceiptState> expected = new HashMap<>();
    List<List<ReceiptUpdate>> batches = new ArrayList<>();
    for (int b = 0; b < 40; b++) {
      List<ReceiptUpdate> batch = new ArrayList<>();
      for (int u = 0; u < 6; u++) {
        ReceiptKey k = keys.get(random.nextInt(keys.size()));
        ReceiptState s = new ReceiptState(random.nextInt(100), random.nextInt(100), random.nextInt(100));
        batch.add(update(k, s));
        expected.merge(k, s, ReceiptState::merge);
      }
      batches.add(batch);
    }
    vertx.runOnContext(v -> {
      List<Future<List<Merged>>> merges = batches.stream().map(store::merge).toList();
      Future.all(merges)
          .compose(done -> Future.all(store.get(message(1)), store.get(message(2))))
          .onComplete(testContext.succeeding(gets -> testContext.verify(() -> {
            for (int b = 0; b < batches.size(); b++) {
              List<Merged> result = merges.get(b).result();
              for (int u = 0; u < result.size(); u++) {
                // Whatever ran concurrently, a merge's result includes what it merged.
                assertThat(result.get(u).state().covers(batches.get(b).get(u).state())).isTrue();
              }
            }
            Map<String, ReceiptState> first = gets.resultAt(0);
            Map<String, ReceiptState> second = gets.resultAt(1);
            expected.forEach((k, state) -> assertThat(
                (k.messageId().equals(message(1)) ? first : second).get(k.recipientId())).isEqualTo(state));
            testContext.completeNow();
          })));
    });
  }

  @Test
  void statesExpireAfterTheRetention() {
    ReceiptKey bob = key(1, "bob");
    await(store.merge(List.of(update(bob, ReceiptState.read(9)))));
    clock.advance(RETENTION.minusMinutes(1));
    assertThat(await(store.get(message(1)))).containsKey("bob");

    clock.advance(Duration.ofMinutes(2));
    assertThat(await(store.get(message(1)))).isEmpty();
    // An expired state is gone: a new update starts from empty, it does not resurrect the old fields.
    assertThat(await(store.merge(List.of(update(bob, ReceiptState.delivered(4))))))
        .containsExactly(new Merged(bob, ReceiptState.delivered(4), true));
  }

  @Test
  void aChangeExtendsTheRetention() {
    ReceiptKey bob = key(1, "bob");
    await(store.merge(List.of(update(bob, ReceiptState.delivered(2)))));
    clock.advance(RETENTION.minusHours(1));
    await(store.merge(List.of(update(bob, ReceiptState.read(3)))));
    clock.advance(Duration.ofHours(2));
    assertThat(await(store.get(message(1)))).containsEntry("bob", new ReceiptState(0, 2, 3));
  }

  @Test
  void futuresCompleteOnTheCallersContext(VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> store.merge(List.of(update(key(1, "bob"), ReceiptState.sent(1))))
        .compose(merged -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return store.get(message(1));
        })
        .onComplete(testContext.succeeding(states -> testContext.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          testContext.completeNow();
        }))));
  }
}
