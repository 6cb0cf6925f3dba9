package io.lattice.store;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore.AppendResult;
import io.lattice.store.MessageStore.NewMessage;
import io.lattice.store.MessageStore.SyncPage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The part of the {@link MessageStore} contract about a message stored by two regions (a sender's retry after its
 * region died) and about publication: mixed into {@link MessageStoreContract}, so it runs on every adapter.
 */
interface MessageVersionsContract {

  MessageStore store();

  String conversation();

  NewMessage newMessage(String conversationId, long proposedLamport);

  /** One message id at two positions: what two regions store for one retried send. */
  private static Message version(String id, String conversationId, String region, long seq, long lamport) {
    return new Message(id, conversationId, "carol", "retried", null, 1_700_000_000_000L, lamport, region, seq);
  }

  private static List<Message> syncAll(MessageStore store, String conversationId) {
    List<Message> all = new ArrayList<>();
    SyncCursor cursor = SyncCursor.START;
    for (int page = 0; page < 50; page++) {
      SyncPage next = await(store.sync(conversationId, cursor, 3));
      all.addAll(next.messages());
      cursor = next.cursor();
      if (!next.hasMore()) {
        return all;
      }
    }
    throw new AssertionError("sync did not end");
  }

  @Test
  default void aSecondVersionKeepsItsSlotSoSyncDoesNotStallAtIt() {
    String c = conversation();
    String id = "m-versions-" + c;
    await(store().upsert(version("e1-" + c, c, "eu-west", 1, 10)));
    await(store().upsert(version(id, c, "us-west", 1, 12)));
    await(store().upsert(version(id, c, "eu-west", 2, 11)));
    await(store().upsert(version("e3-" + c, c, "eu-west", 3, 30)));

    List<Message> synced = syncAll(store(), c);

    assertThat(synced).extracting(m -> m.sourceRegion() + ":" + m.seq())
        .containsExactlyInAnyOrder("eu-west:1", "eu-west:2", "eu-west:3", "us-west:1");
    assertThat(synced).filteredOn(m -> m.messageId().equals(id)).hasSize(2);
    SyncPage end = await(store().sync(c, SyncCursor.START, 100));
    assertThat(end.cursor().positionOf("eu-west")).isEqualTo(3);
    assertThat(end.cursor().positionOf("us-west")).isEqualTo(1);
  }

  @Test
  default void theWinnerIsTheFirstVersionInCanonicalOrderWhicheverArrivesFirst() {
    String c = conversation();
    Message early = version("m-a-" + c, c, "eu-west", 1, 5);
    Message late = version("m-a-" + c, c, "us-west", 1, 9);
    Message early2 = version("m-b-" + c, c, "eu-west", 2, 6);
    Message late2 = version("m-b-" + c, c, "us-west", 2, 10);

    await(store().upsert(early));
    AppendResult kept = await(store().upsert(late));
    await(store().upsert(late2));
    AppendResult moved = await(store().upsert(early2));

    assertThat(kept.message()).isEqualTo(early);
    assertThat(kept.moved()).isFalse();
    assertThat(moved.message()).isEqualTo(early2);
    assertThat(moved.moved()).isTrue();
    assertThat(moved.created()).isFalse();
    assertThat(await(store().get(early.messageId()))).contains(early);
    assertThat(await(store().get(early2.messageId()))).contains(early2);
    assertThat(await(store().history(c, null, 10))).containsExactly(early2, early);
    List<Message> synced = syncAll(store(), c);
    assertThat(synced).hasSize(4);
    assertThat(synced.stream().sorted(CanonicalOrder.MESSAGES).distinct().toList().subList(0, 2))
        .containsExactly(early, early2);
  }

  @Test
  default void aVersionUpsertedAgainChangesNothing() {
    String c = conversation();
    Message a = version("m-x-" + c, c, "eu-west", 1, 5);
    Message b = version("m-x-" + c, c, "us-west", 1, 9);
    await(store().upsert(a));
    await(store().upsert(b));

    AppendResult againA = await(store().upsert(a));
    AppendResult againB = await(store().upsert(b));

    assertThat(againA.message()).isEqualTo(a);
    assertThat(againA.moved()).isFalse();
    assertThat(againB.message()).isEqualTo(a);
    assertThat(againB.moved()).isFalse();
    assertThat(syncAll(store(), c)).hasSize(2);
  }

  @Test
  default void appendedMessagesAreUnpublishedUntilMarkedAndReplicatedOnesNever() {
    String c = conversation();
    Message first = await(store().append(newMessage(c, 1))).message();
    Message second = await(store().append(newMessage(c, 2))).message();
    await(store().upsert(version("m-remote-" + c, c, "eu-west", 1, 3)));
    String region = first.sourceRegion();
    long from = first.createdAt() - 1_000;
    long to = second.createdAt() + 1;

    assertThat(await(store().unpublished(region, from, to, 100))).contains(first, second)
        .allMatch(m -> m.sourceRegion().equals(region));
    assertThat(await(store().unpublished(region, from, first.createdAt(), 100))).doesNotContain(first, second);

    await(store().markPublished(List.of(first)));
    assertThat(await(store().unpublished(region, from, to, 100))).contains(second).doesNotContain(first);
    await(store().markPublished(List.of(first, second)));
    assertThat(await(store().unpublished(region, from, to, 100))).doesNotContain(first, second);
    assertThat(await(store().unpublished("eu-west", from, to, 100))).isEmpty();
  }
}
