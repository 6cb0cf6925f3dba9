package io.lattice.store;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore.AppendResult;
import io.lattice.store.MessageStore.NewMessage;
import io.lattice.store.MessageStore.SyncPage;
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
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link MessageStore} contract, for every adapter: extend it and implement {@link #createStore}. Two versions
 * of one message and publication are in {@link MessageVersionsContract}, mixed in.
 */
@ExtendWith(VertxExtension.class)
public abstract class MessageStoreContract implements MessageVersionsContract {

  protected static final String HERE = "us-east";

  protected Vertx vertx;
  protected MessageStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private int ids;

  /** An empty store; closing it releases everything it holds. */
  protected abstract Future<MessageStore> createStore(Vertx vertx);

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

  @Override
  public MessageStore store() {
    return store;
  }

  @Override
  public String conversation() {
    return "c-" + run + "-" + (++ids);
  }

  @Override
  public NewMessage newMessage(String conversationId, long proposedLamport) {
    return new NewMessage("m-" + run + "-" + (++ids), conversationId, "alice", "hello " + ids, null,
        1_700_000_000_000L + ids, proposedLamport, HERE);
  }

  protected static Message remote(String conversationId, String region, long seq, long lamport) {
    return new Message("r-" + region + "-" + conversationId + "-" + seq, conversationId, "bob", "from " + region,
        "/media/x.png", 1_700_000_000_000L, lamport, region, seq);
  }

  @Test
  void appendAssignsSeqAndLamportAboveProposalAndStored() {
    String c = conversation();
    Message first = await(store.append(newMessage(c, 5))).message();
    Message second = await(store.append(newMessage(c, 1))).message();
    Message third = await(store.append(newMessage(c, 40))).message();

    assertThat(List.of(first.seq(), second.seq(), third.seq())).containsExactly(1L, 2L, 3L);
    assertThat(first.lamport()).isEqualTo(5);
    assertThat(second.lamport()).isEqualTo(6);
    assertThat(third.lamport()).isEqualTo(40);
    assertThat(first.sourceRegion()).isEqualTo(HERE);
  }

  @Test
  void getAllReturnsTheStoredOnesAndLeavesUnknownIdsOut() {
    String c = conversation();
    Message a = await(store.append(newMessage(c, 1))).message();
    Message b = await(store.append(newMessage(c, 1))).message();
    List<Message> found = await(store.getAll(List.of(a.messageId(), "m-unknown", b.messageId(), a.messageId())));
    assertThat(found).containsExactlyInAnyOrder(a, b);
    assertThat(await(store.getAll(List.of()))).isEmpty();
  }

  @Test
  void appendIsIdempotentById() {
    String c = conversation();
    NewMessage m = newMessage(c, 3);
    AppendResult created = await(store.append(m));
    NewMessage retry = new NewMessage(m.messageId(), c, m.senderId(), "changed", null, m.createdAt(), 99, HERE);
    AppendResult again = await(store.append(retry));

    assertThat(created.created()).isTrue();
    assertThat(again.created()).isFalse();
    assertThat(again.message()).isEqualTo(created.message());
    assertThat(await(store.get(m.messageId()))).contains(created.message());
    assertThat(await(store.sync(c, SyncCursor.START, 10)).messages()).containsExactly(created.message());
    assertThat(await(store.append(newMessage(c, 0))).message().seq()).isEqualTo(2);
  }

  @Test
  void seqAndLamportAreMonotonicPerConversation() {
    String c = conversation();
    String other = conversation();
    Random random = new Random(7);
    long previousLamport = 0;
    for (int i = 1; i <= 20; i++) {
      long proposed = random.nextInt(30);
      Message m = await(store.append(newMessage(c, proposed))).message();
      assertThat(m.seq()).isEqualTo(i);
      assertThat(m.lamport()).isGreaterThan(previousLamport).isGreaterThanOrEqualTo(proposed);
      previousLamport = m.lamport();
    }
    Message elsewhere = await(store.append(newMessage(other, 1))).message();
    assertThat(elsewhere.seq()).isEqualTo(1);
    assertThat(elsewhere.lamport()).isEqualTo(1);
  }

  @Test
  void upsertKeepsSeqAndLamportAndRaisesCounters() {
    String c = conversation();
    Message fromEu = remote(c, "eu-west", 7, 100);
    AppendResult stored = await(store.upsert(fromEu));
    AppendResult again = await(store.upsert(new Message(fromEu.messageId(), c, "bob", "other", null, 0, 500,
        "eu-west", 9)));
    Message local = await(store.append(newMessage(c, 3))).message();

    assertThat(stored.created()).isTrue();
    assertThat(stored.message()).isEqualTo(fromEu);
    assertThat(again.created()).isFalse();
    assertThat(again.message()).isEqualTo(fromEu);
    assertThat(await(store.get(fromEu.messageId()))).contains(fromEu);
    assertThat(local.seq()).isEqualTo(1);
    assertThat(local.lamport()).isGreaterThan(100);
    assertThat(await(store.maxLamport())).isEqualTo(local.lamport());
  }

  @Test
  void getOfUnknownIdIsEmpty() {
    assertThat(await(store.get("m-nope"))).isEmpty();
    assertThat(await(store.maxLamport())).isZero();
  }

  @Test
  void syncPagesEveryMessageOfSeveralRegionsExactlyOnceInCanonicalOrder() {
    String c = conversation();
    List<Message> all = fillFromThreeRegions(c, 25);

    List<Message> received = new ArrayList<>();
    SyncCursor cursor = SyncCursor.START;
    boolean more = true;
    int pages = 0;
    while (more) {
      SyncPage page = await(store.sync(c, cursor, 7));
      assertThat(page.messages()).hasSizeLessThanOrEqualTo(7).isSortedAccordingTo(CanonicalOrder.MESSAGES);
      received.addAll(page.messages());
      cursor = SyncCursor.decode(page.cursor().encode()); // what the client holds is the encoded form
      assertThat(cursor).isEqualTo(page.cursor());
      more = page.hasMore();
      assertThat(++pages).isLessThan(100);
    }

    assertThat(received).containsExactlyElementsOf(all.stream().sorted(CanonicalOrder.MESSAGES).toList());
    assertThat(cursor.positions())
        .containsEntry(HERE, 25L).containsEntry("eu-west", 25L).containsEntry("ap-south", 25L);
    SyncPage nothing = await(store.sync(c, cursor, 7));
    assertThat(nothing.messages()).isEmpty();
    assertThat(nothing.hasMore()).isFalse();
    assertThat(nothing.cursor()).isEqualTo(cursor);
  }

  @Test
  void syncFromACursorReturnsOnlyWhatItDoesNotCover() {
    String c = conversation();
    fillFromThreeRegions(c, 3);
    SyncPage all = await(store.sync(c, SyncCursor.START, 100));
    assertThat(all.messages()).hasSize(9);
    assertThat(all.hasMore()).isFalse();

    Message later = await(store.append(newMessage(c, 0))).message();
    Message remoteLater = remote(c, "eu-west", 4, 1000);
    await(store.upsert(remoteLater));
    SyncPage next = await(store.sync(c, all.cursor(), 100));

    assertThat(next.messages()).containsExactlyInAnyOrder(later, remoteLater)
        .isSortedAccordingTo(CanonicalOrder.MESSAGES);
    assertThat(next.cursor().positionOf(HERE)).isEqualTo(4);
    assertThat(next.cursor().positionOf("eu-west")).isEqualTo(4);
  }

  @Test
  void syncStopsAtAGapInASourceRegionRatherThanSkipIt() {
    String c = conversation();
    await(store.upsert(remote(c, "eu-west", 1, 10)));
    await(store.upsert(remote(c, "eu-west", 3, 30)));

    SyncPage first = await(store.sync(c, SyncCursor.START, 10));
    assertThat(first.messages()).extracting(Message::seq).containsExactly(1L);
    assertThat(first.cursor().positionOf("eu-west")).isEqualTo(1);

    await(store.upsert(remote(c, "eu-west", 2, 20)));
    SyncPage second = await(store.sync(c, first.cursor(), 10));
    assertThat(second.messages()).extracting(Message::seq).containsExactly(2L, 3L);
  }

  @Test
  void historyPagesNewestFirstWithoutGaps() {
    String c = conversation();
    List<Message> all = fillFromThreeRegions(c, 9);
    List<Message> newestFirst = all.stream().sorted(CanonicalOrder.MESSAGES.reversed()).toList();

    List<Message> seen = new ArrayList<>();
    CanonicalOrder.Position before = null;
    while (true) {
      List<Message> page = await(store.history(c, before, 4));
      if (page.isEmpty()) {
        break;
      }
      assertThat(page).hasSizeLessThanOrEqualTo(4);
      seen.addAll(page);
      before = CanonicalOrder.Position.decode(page.get(page.size() - 1).position().encode());
    }
    assertThat(seen).containsExactlyElementsOf(newestFirst);
    assertThat(await(store.history(c, newestFirst.get(0).position(), 1))).containsExactly(newestFirst.get(1));
    assertThat(await(store.history(conversation(), null, 10))).isEmpty();
  }

  @Test
  void concurrentAppendsGetDistinctContiguousSeqs(VertxTestContext testContext) {
    String c = conversation();
    int count = 200;
    List<NewMessage> messages = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      messages.add(newMessage(c, i % 17));
    }
    vertx.runOnContext(v -> {
      List<Future<AppendResult>> appends = messages.stream().map(store::append).toList();
      Future.all(appends).onComplete(testContext.succeeding(done -> testContext.verify(() -> {
        List<Message> stored = appends.stream().map(f -> f.result().message()).toList();
        assertThat(stored).extracting(Message::seq)
            .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, count).boxed().toList());
        // In sequence order, Lamport timestamps strictly increase: sequence and canonical order agree.
        List<Message> bySeq = stored.stream().sorted(Comparator.comparingLong(Message::seq)).toList();
        assertThat(bySeq).isSortedAccordingTo(CanonicalOrder.MESSAGES);
        assertThat(bySeq.stream().map(Message::lamport).distinct().count()).isEqualTo(count);
        testContext.completeNow();
      })));
    });
  }

  @Test
  void futuresCompleteOnTheCallersContext(VertxTestContext testContext) {
    Context context = vertx.getOrCreateContext();
    String c = conversation();
    context.runOnContext(v -> store.append(newMessage(c, 1))
        .compose(appended -> {
          testContext.verify(() -> assertThat(Vertx.currentContext()).isSameAs(context));
          return store.sync(c, SyncCursor.START, 10);
        })
        .onComplete(testContext.succeeding(page -> testContext.verify(() -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          testContext.completeNow();
        }))));
  }

  /** {@code perRegion} local appends plus as many upserts from eu-west and ap-south, interleaved in Lamport time. */
  protected List<Message> fillFromThreeRegions(String c, int perRegion) {
    List<Message> all = new ArrayList<>();
    long lamport = 0;
    for (int i = 1; i <= perRegion; i++) {
      Message local = await(store.append(newMessage(c, 0))).message();
      all.add(local);
      lamport = Math.max(lamport, local.lamport());
      // eu-west sometimes ties with the local Lamport (region breaks the tie), ap-south runs ahead.
      Message eu = remote(c, "eu-west", i, i % 3 == 0 ? local.lamport() : local.lamport() + 1);
      Message ap = remote(c, "ap-south", i, lamport + 2);
      all.add(await(store.upsert(eu)).message());
      all.add(await(store.upsert(ap)).message());
    }
    return all;
  }
}
