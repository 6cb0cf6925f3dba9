package io.lattice.store;

import io.lattice.model.Conversation;
import io.lattice.model.Ids;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link ConversationStore} contract, for every adapter: extend it and implement {@link #createStore}. */
@ExtendWith(VertxExtension.class)
public abstract class ConversationStoreContract {

  protected Vertx vertx;
  protected ConversationStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  /** An empty store; closing it releases everything it holds. */
  protected abstract Future<ConversationStore> createStore(Vertx vertx);

  @BeforeEach
  void openStore() {
    vertx = TestVertx.create();
    store = await(createStore(vertx));
  }

  @AfterEach
  void closeStore() {
    try {
      await(store.close());
    } finally {
      await(vertx.close());
    }
  }

  private String user(String name) {
    return name + "-" + run;
  }

  private Conversation group(String title, long createdAt, String... members) {
    Set<String> participants = new HashSet<>();
    for (String m : members) {
      participants.add(user(m));
    }
    return new Conversation(Ids.newGroupId(), Conversation.Type.group, participants, title, "us-east", createdAt);
  }

  @Test
  void createThenGet() {
    Conversation c = group("team", 1000, "alice", "bob", "carol");
    assertThat(await(store.create(c))).isEqualTo(c);
    assertThat(await(store.get(c.conversationId()))).contains(c);
    assertThat(await(store.get("g-unknown"))).isEmpty();
  }

  @Test
  void createIsIdempotentAndKeepsTheStoredConversation() {
    String alice = user("alice");
    String bob = user("bob");
    String id = Ids.directConversationId(alice, bob);
    Conversation first = new Conversation(id, Conversation.Type.direct, Set.of(alice, bob), null, "us-east", 10);
    Conversation second = new Conversation(id, Conversation.Type.direct, Set.of(alice, bob, user("mallory")),
        "renamed", "eu-west", 20);

    await(store.create(first));
    assertThat(await(store.create(second))).isEqualTo(first);
    assertThat(await(store.get(id))).contains(first);
    assertThat(await(store.listForUser(user("mallory"), 10))).isEmpty();
  }

  @Test
  void listForUserIsMostRecentlyCreatedFirstAndLimited() {
    Conversation old = await(store.create(group("old", 100, "alice", "bob")));
    Conversation middle = await(store.create(group("middle", 200, "alice")));
    Conversation recent = await(store.create(group("recent", 300, "alice", "carol")));
    await(store.create(group("not alice's", 400, "bob")));

    assertThat(await(store.listForUser(user("alice"), 10))).containsExactly(recent, middle, old);
    assertThat(await(store.listForUser(user("alice"), 2))).containsExactly(recent, middle);
    assertThat(await(store.listForUser(user("nobody"), 10))).isEmpty();
  }

  @Test
  void updateMembersAddsThenRemoves() {
    Conversation c = await(store.create(group("team", 1, "alice", "bob")));
    Conversation updated = await(store.updateMembers(c.conversationId(), Set.of(user("carol"), user("dave")),
        Set.of(user("bob"), user("dave"))));

    assertThat(updated.participants()).containsExactlyInAnyOrder(user("alice"), user("carol"));
    assertThat(updated.title()).isEqualTo("team");
    assertThat(await(store.get(c.conversationId()))).contains(updated);
    assertThat(await(store.listForUser(user("carol"), 10))).containsExactly(updated);
    assertThat(await(store.listForUser(user("bob"), 10))).isEmpty();
  }

  @Test
  void updateMembersOfAnUnknownConversationFails() {
    Throwable failure = awaitFailure(store.updateMembers("g-unknown", Set.of(user("alice")), Set.of()));
    assertThat(failure).isInstanceOf(NoSuchElementException.class);
    assertThat(await(store.listForUser(user("alice"), 10))).isEmpty();
  }

  @Test
  void concurrentMembershipChangesAreAllKept(VertxTestContext testContext) {
    Conversation c = await(store.create(group("big", 1, "owner")));
    List<String> joiners = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      joiners.add(user("u" + i));
    }
    vertx.runOnContext(v -> {
      List<Future<Conversation>> updates = joiners.stream()
          .map(u -> store.updateMembers(c.conversationId(), Set.of(u), Set.of())).toList();
      Future.all(updates).compose(done -> store.get(c.conversationId()))
          .onComplete(testContext.succeeding(stored -> testContext.verify(() -> {
            assertThat(stored.orElseThrow().participants()).containsAll(joiners).contains(user("owner"))
                .hasSize(31);
            testContext.completeNow();
          })));
    });
  }

  @Test
  void futuresCompleteOnTheCallersContext(VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    Conversation c = group("ctx", 1, "alice");
    context.runOnContext(v -> store.create(c)
        .compose(created -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return store.updateMembers("g-unknown", Set.of(), Set.of());
        })
        .onComplete(testContext.failing(err -> testContext.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          testContext.completeNow();
        }))));
  }
}
