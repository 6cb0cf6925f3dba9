package io.lattice.store;

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
import java.util.Set;
import java.util.UUID;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link SessionDirectory} contract, for every adapter: extend it and implement {@link #createStore}. Expiry is
 * tested by moving the store's clock, never by waiting.
 */
@ExtendWith(VertxExtension.class)
public abstract class SessionDirectoryContract {

  protected static final Duration TTL = Duration.ofSeconds(30);

  protected Vertx vertx;
  protected MutableClock clock;
  protected SessionDirectory directory;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** An empty directory whose expiries are measured with {@code clock}. */
  protected abstract Future<SessionDirectory> createStore(Vertx vertx, MutableClock clock);

  @BeforeEach
  void openStore() {
    vertx = TestVertx.create();
    clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    directory = await(createStore(vertx, clock));
  }

  @AfterEach
  void closeVertx() {
    await(vertx.close());
  }

  protected String user(String name) {
    return name + "-" + run;
  }

  private Set<String> nodesOf(String user) {
    return await(directory.lookup(List.of(user))).get(user);
  }

  @Test
  void registerThenLookup() {
    String alice = user("alice");
    String bob = user("bob");
    await(directory.register(alice, "node-1", TTL));
    await(directory.register(alice, "node-1", TTL)); // idempotent

    Map<String, Set<String>> found = await(directory.lookup(List.of(alice, bob)));
    assertThat(found).containsOnly(Map.entry(alice, Set.of("node-1")), Map.entry(bob, Set.of()));
    assertThat(await(directory.lookup(List.of()))).isEmpty();
  }

  @Test
  void aUserCanBeOnSeveralNodesAndLeaveOne() {
    String alice = user("alice");
    await(directory.register(alice, "node-1", TTL));
    await(directory.register(alice, "node-2", TTL));
    assertThat(nodesOf(alice)).containsExactlyInAnyOrder("node-1", "node-2");

    await(directory.unregister(alice, "node-1"));
    await(directory.unregister(alice, "node-3")); // never registered: no-op
    assertThat(nodesOf(alice)).containsExactly("node-2");
    await(directory.unregister(alice, "node-2"));
    assertThat(nodesOf(alice)).isEmpty();
  }

  @Test
  void entriesExpireAfterTheirTtl() {
    String alice = user("alice");
    await(directory.register(alice, "node-1", TTL));
    await(directory.register(alice, "node-2", TTL.multipliedBy(3)));
    clock.advance(TTL.plusSeconds(1));

    assertThat(nodesOf(alice)).containsExactly("node-2");
    clock.advance(TTL.multipliedBy(2));
    assertThat(nodesOf(alice)).isEmpty();
  }

  @Test
  void refreshExtendsTheTtlOfTheNodesUsers() {
    String alice = user("alice");
    String bob = user("bob");
    String carol = user("carol");
    await(directory.register(alice, "node-1", TTL));
    await(directory.register(bob, "node-1", TTL));
    await(directory.register(carol, "node-1", TTL));
    await(directory.register(alice, "node-2", TTL));
    clock.advance(TTL.minusSeconds(5));

    await(directory.refresh(List.of(alice, bob), "node-1", TTL));
    await(directory.refresh(List.of(), "node-1", TTL));
    clock.advance(Duration.ofSeconds(10));

    Map<String, Set<String>> found = await(directory.lookup(List.of(alice, bob, carol)));
    assertThat(found.get(alice)).containsExactly("node-1"); // node-2 was not refreshed
    assertThat(found.get(bob)).containsExactly("node-1");
    assertThat(found.get(carol)).isEmpty();
  }

  @Test
  void removeNodeForgetsAllItsEntries() {
    String alice = user("alice");
    String bob = user("bob");
    await(directory.register(alice, "node-1", TTL));
    await(directory.register(alice, "node-2", TTL));
    await(directory.register(bob, "node-1", TTL));

    await(directory.removeNode("node-1"));
    Map<String, Set<String>> found = await(directory.lookup(List.of(alice, bob)));
    assertThat(found.get(alice)).containsExactly("node-2");
    assertThat(found.get(bob)).isEmpty();
  }

  @Test
  void concurrentRegistrationsOfOneUserAreAllKept(VertxTestContext testContext) {
    String alice = user("alice");
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      nodes.add("node-" + i);
    }
    vertx.runOnContext(v -> {
      List<Future<Void>> writes = new ArrayList<>();
      nodes.forEach(n -> writes.add(directory.register(alice, n, TTL)));
      Future.all(writes).compose(done -> directory.lookup(List.of(alice)))
          .onComplete(testContext.succeeding(found -> testContext.verify(() -> {
            assertThat(found.get(alice)).containsExactlyInAnyOrderElementsOf(nodes);
            testContext.completeNow();
          })));
    });
  }

  @Test
  void futuresCompleteOnTheCallersContext(VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    String alice = user("alice");
    context.runOnContext(v -> directory.register(alice, "node-1", TTL)
        .compose(done -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return directory.removeNode("node-1");
        })
        .compose(done -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return directory.lookup(List.of(alice));
        })
        .onComplete(testContext.succeeding(found -> testContext.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          assertThat(found.get(alice)).isEmpty();
          testContext.completeNow();
        }))));
  }
}
