package io.lattice.e2e;

import io.lattice.e2e.support.Checks;
import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.lattice.model.Ids;
import io.lattice.model.crdt.ReceiptState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lattice.e2e.support.TestClient.newClientMsgId;
import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Messaging across the two nodes of one region: send/ack/deliver, idempotent resends, ordering, receipts, presence,
 * sync, history and groups (docs/protocol.md). Every test uses fresh user ids.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MessagingIT extends RegionTestBase {
  private static final int N1 = 0;
  private static final int N2 = 1;

  @BeforeAll
  static void startRegion() {
    // A burst of 60 so the 50-message burst of the ordering test stays within the per-user rate limit.
    region = RegionCluster.builder().name("MessagingIT").nodes(2).rateLimit(20, 60).start();
  }

  private static Frames.Match longAbove(String field, long min) {
    return Frames.of(field + ">" + min, f -> f.getLong(field) > min);
  }

  /** Sends {@code count} messages back to back, then waits for every ack; returns the acks in send order. */
  private static List<JsonObject> burst(TestClient sender, String conversationId, int count, String prefix) {
    List<String> clientMsgIds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String clientMsgId = newClientMsgId();
      clientMsgIds.add(clientMsgId);
      sender.sendMessage(conversationId, clientMsgId, prefix + " " + i);
    }
    List<JsonObject> acks = new ArrayList<>();
    for (String clientMsgId : clientMsgIds) {
      JsonObject outcome = sender.await(Frames.outcome(clientMsgId));
      assertThat(outcome.getString("type")).as("answer to send %s: %s", clientMsgId, outcome).isEqualTo("ack");
      acks.add(outcome);
    }
    return acks;
  }

  private static List<String> messageIds(List<JsonObject> acks) {
    return acks.stream().map(a -> a.getString("messageId")).toList();
  }

  /**
   * The messageIds of these acks in canonical order (lamport, sourceRegion, messageId); all from this region. Tests
   * other than the ordering test compare with this, so that an ordering bug fails only the ordering test.
   */
  private static List<String> canonicalIds(List<JsonObject> acks) {
    return acks.stream().map(a -> a.copy().put("sourceRegion", region.region())).sorted(Checks.CANONICAL)
        .map(a -> a.getString("messageId")).toList();
  }

  // ------------------------------------------------------------------------------------------------------ messaging

  @Test
  void sendIsAckedAndDeliveredToEveryLiveConnectionAcrossNodes() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient alicePhone = connect(N1, alice);
    TestClient aliceLaptop = connect(N2, alice);
    TestClient bobPhone = connect(N2, bob);

    TestClient.HttpResult created = alicePhone.createConversation("direct", List.of(bob), null);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonObject conversation = created.json();
    String conversationId = conversation.getString("conversationId");
    assertThat(conversationId).startsWith("d-").isEqualTo(Ids.directConversationId(alice, bob));
    assertThat(conversation.getString("type")).isEqualTo("direct");
    assertThat(conversation.getJsonArray("participants").getList()).containsExactlyInAnyOrder(alice, bob);
    assertThat(conversation.getString("homeRegion")).isEqualTo(region.region());
    assertThat(conversation.getLong("createdAt")).isPositive();

    // Creating it again, from the other side and the other node, returns the same conversation with 200.
    TestClient.HttpResult again = bobPhone.createConversation("direct", List.of(alice, bob), null);
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    assertThat(again.json().getString("conversationId")).isEqualTo(conversationId);
    assertThat(bobPhone.conversations().getJsonArray("conversations").stream()
        .map(c -> ((JsonObject) c).getString("conversationId"))).contains(conversationId);

    String clientMsgId = newClientMsgId();
    long before = System.currentTimeMillis();
    alicePhone.send(new JsonObject().put("type", "send").put("clientMsgId", clientMsgId)
        .put("conversationId", conversationId).put("content", "hello bob").putNull("mediaUrl"));
    JsonObject ack = alicePhone.await(Frames.ack(clientMsgId));
    String messageId = ack.getString("messageId");
    assertThat(messageId).startsWith("m-").isEqualTo(Ids.messageId(alice, clientMsgId));
    assertThat(ack.getString("conversationId")).isEqualTo(conversationId);
    assertThat(ack.getLong("lamport")).isPositive();
    assertThat(ack.getLong("createdAt")).isBetween(before - 60_000, System.currentTimeMillis() + 60_000);

    for (TestClient device : List.of(bobPhone, aliceLaptop, alicePhone)) {
      JsonObject message = device.await(Frames.message(messageId)).getJsonObject("message");
      assertThat(message.getString("messageId")).as("on %s", device).isEqualTo(messageId);
      assertThat(message.getString("conversationId")).isEqualTo(conversationId);
      assertThat(message.getString("senderId")).isEqualTo(alice);
      assertThat(message.getString("content")).isEqualTo("hello bob");
      assertThat(message.containsKey("mediaUrl")).as("mediaUrl field present on %s", device).isTrue();
      assertThat(message.getValue("mediaUrl")).isNull();
      assertThat(message.getLong("createdAt")).isEqualTo(ack.getLong("createdAt"));
      assertThat(message.getLong("lamport")).isEqualTo(ack.getLong("lamport"));
      assertThat(message.getString("sourceRegion")).isEqualTo(region.region());
      assertThat(message.getLong("seq")).isPositive();
    }
    for (TestClient device : List.of(bobPhone, aliceLaptop, alicePhone)) {
      assertThat(device.frames(Frames.type("error"))).as("errors on %s", device).isEmpty();
    }

    // A reply from bob on node 2 reaches both of alice's devices.
    JsonObject reply = bobPhone.sendAndAwaitAck(conversationId, "hi alice");
    assertThat(reply.getLong("lamport")).isGreaterThan(ack.getLong("lamport"));
    alicePhone.await(Frames.message(reply.getString("messageId")));
    aliceLaptop.await(Frames.message(reply.getString("messageId")));
  }

  @Test
  void typingIsForwardedToTheOtherParticipant() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(N1, alice);
    TestClient b = connect(N2, bob);
    String conversationId = a.createDirect(bob);
    b.typing(conversationId);
    JsonObject typing = a.await(Frames.type("typing").and(Frames.field("conversationId", conversationId)));
    assertThat(typing.getString("userId")).isEqualTo(bob);
  }

  @Test
  void resendWithTheSameClientMsgIdIsTheSameMessage() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient alicePhone = connect(N1, alice);
    TestClient aliceLaptop = connect(N2, alice);
    TestClient b = connect(N2, bob);
    String conversationId = alicePhone.createDirect(bob);

    // Sequential resend after the ack.
    String clientMsgId = newClientMsgId();
    JsonObject first = alicePhone.sendAndAwaitAck(conversationId, clientMsgId, "only once");
    alicePhone.sendMessage(conversationId, clientMsgId, "only once");
    List<JsonObject> acks = alicePhone.awaitCount(Frames.ack(clientMsgId), 2);
    assertThat(acks.get(1).getString("messageId")).isEqualTo(first.getString("messageId"));
    assertThat(acks.get(1).getLong("lamport")).isEqualTo(first.getLong("lamport"));
    assertThat(acks.get(1).getLong("createdAt")).isEqualTo(first.getLong("createdAt"));

    // The same clientMsgId from the user's other device, on the other node.
    JsonObject fromLaptop = aliceLaptop.sendAndAwaitAck(conversationId, clientMsgId, "only once");
    assertThat(fromLaptop.getString("messageId")).isEqualTo(first.getString("messageId"));
    assertThat(fromLaptop.getLong("lamport")).isEqualTo(first.getLong("lamport"));

    // Two sends back to back, without waiting for the first ack (the racy case).
    String racy = newClientMsgId();
    alicePhone.sendMessage(conversationId, racy, "racing");
    alicePhone.sendMessage(conversationId, racy, "racing");
    List<JsonObject> racyAcks = alicePhone.awaitCount(Frames.outcome(racy), 2);
    assertThat(racyAcks).allSatisfy(a -> assertThat(a.getString("type")).as(a.encode()).isEqualTo("ack"));
    assertThat(racyAcks.get(0).getString("messageId")).isEqualTo(racyAcks.get(1).getString("messageId"));
    assertThat(racyAcks.get(0).getLong("lamport")).isEqualTo(racyAcks.get(1).getLong("lamport"));

    // A later marker proves no duplicate delivery is still on its way.
    JsonObject marker = alicePhone.sendAndAwaitAck(conversationId, "marker");
    for (TestClient device : List.of(b, alicePhone, aliceLaptop)) {
      device.await(Frames.message(marker.getString("messageId")));
      assertThat(device.frames(Frames.message(first.getString("messageId")))).as("deliveries on %s", device)
          .hasSize(1);
      assertThat(device.frames(Frames.message(racyAcks.get(0).getString("messageId"))))
          .as("deliveries on %s", device).hasSize(1);
    }

    List<JsonObject> history = b.fullHistory(conversationId, 50);
    assertThat(Checks.ids(history)).containsExactlyInAnyOrder(first.getString("messageId"),
        racyAcks.get(0).getString("messageId"), marker.getString("messageId"));
    List<JsonObject> synced = b.syncAll(conversationId, null, 100).messages();
    assertThat(Checks.ids(synced)).containsExactly(first.getString("messageId"),
        racyAcks.get(0).getString("messageId"), marker.getString("messageId"));
  }

  @Test
  void aBurstKeepsSendOrderEverywhere() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(N1, alice);
    TestClient b = connect(N2, bob);
    String conversationId = a.createDirect(bob);

    List<JsonObject> acks = burst(a, conversationId, 50, "burst");
    List<Long> lamports = acks.stream().map(x -> x.getLong("lamport")).toList();
    assertThat(lamports).as("ack lamports in send order: %s", lamports).isSorted().doesNotHaveDuplicates();
    List<String> expected = messageIds(acks);

    List<JsonObject> delivered = Checks.unwrap(b.awaitCount(Frames.messageIn(conversationId), 50));
    assertThat(Checks.ids(delivered)).as("live delivery order on bob").containsExactlyElementsOf(expected);
    for (int i = 0; i < delivered.size(); i++) {
      assertThat(delivered.get(i).getString("content")).isEqualTo("burst " + i);
    }
    List<JsonObject> echoed = Checks.unwrap(a.awaitCount(Frames.messageIn(conversationId), 50));
    assertThat(Checks.ids(echoed)).as("live delivery order on the sender").containsExactlyElementsOf(expected);

    List<JsonObject> synced = b.syncAll(conversationId, null, 500).messages();
    Checks.assertStrictlyCanonical("sync", synced);
    assertThat(Checks.ids(synced)).containsExactlyElementsOf(expected);

    List<JsonObject> history = a.fullHistory(conversationId, 200);
    Checks.assertStrictlyReverseCanonical("history", history);
    List<String> reversed = new ArrayList<>(expected);
    Collections.reverse(reversed);
    assertThat(Checks.ids(history)).containsExactlyElementsOf(reversed);
  }

  // ------------------------------------------------------------------------------------------------------- receipts

  @Test
  void receiptsMergeAndNeverGoBackwards() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    String carol = uniqueUser("carol");
    TestClient a = connect(N1, alice);
    TestClient b = connect(N2, bob);
    String conversationId = a.createDirect(bob);

    String m1 = a.sendAndAwaitAck(conversationId, "please read").getString("messageId");
    b.await(Frames.message(m1));

    b.receipt(conversationId, "delivered", m1);
    JsonObject delivered = a.await(Frames.receipt(m1).and(longAbove("deliveredAt", 0)));
    assertThat(delivered.getString("conversationId")).isEqualTo(conversationId);
    assertThat(delivered.getString("recipientId")).isEqualTo(bob);
    assertThat(delivered.getLong("readAt")).isZero();
    assertThat(delivered.getLong("sentAt")).isNotNegative();
    b.await(Frames.receipt(m1).and(longAbove("deliveredAt", 0)));

    b.receipt(conversationId, "read", m1);
    JsonObject read = a.await(Frames.receipt(m1).and(longAbove("readAt", 0)));
    assertThat(read.getString("recipientId")).isEqualTo(bob);
    assertThat(read.getLong("deliveredAt")).isEqualTo(delivered.getLong("deliveredAt"));
    assertThat(read.getLong("readAt")).isGreaterThanOrEqualTo(read.getLong("deliveredAt"));
    b.await(Frames.receipt(m1).and(longAbove("readAt", 0)));

    // A late 'delivered' (e.g. from bob's other, slower device) after 'read'.
    b.receipt(conversationId, "delivered", m1);
    // Marker: a read straight away on a second message (a read counts as delivered).
    String m2 = a.sendAndAwaitAck(conversationId, "second").getString("messageId");
    b.await(Frames.message(m2));
    b.receipt(conversationId, "read", m2);
    JsonObject read2 = a.await(Frames.receipt(m2).and(longAbove("readAt", 0)));
    // "A read counts as delivered": the server may leave deliveredAt at 0 (clients derive the checkmark with
    // ReceiptState.status()), but it must never claim a delivery later than the read.
    assertThat(read2.getLong("deliveredAt")).isBetween(0L, read2.getLong("readAt"));
    assertThat(ReceiptState.fromJson(read2).status()).isEqualTo(ReceiptState.Status.read);

    for (TestClient client : List.of(a, b)) {
      List<JsonObject> frames = client.frames(Frames.receipt(m1));
      for (int i = 1; i < frames.size(); i++) {
        for (String field : List.of("sentAt", "deliveredAt", "readAt")) {
          assertThat(frames.get(i).getLong(field)).as("%s of receipt frame %d on %s: %s", field, i, client, frames)
              .isGreaterThanOrEqualTo(frames.get(i - 1).getLong(field));
        }
      }
    }

    // GET /api/receipts matches the frames: the stored state is what the last receipt frame said. (The late
    // 'delivered' may raise deliveredAt, a max-register, but never lowers anything.)
    for (TestClient client : List.of(a, b)) {
      JsonObject receipts = client.receipts(m1);
      assertThat(receipts.getString("messageId")).isEqualTo(m1);
      JsonObject bobs = receipts.getJsonObject("receipts").getJsonObject(bob);
      assertThat(bobs).as("receipts of %s as seen by %s: %s", m1, client, receipts).isNotNull();
      assertThat(bobs.getLong("readAt")).isEqualTo(read.getLong("readAt"));
      assertThat(bobs.getLong("deliveredAt")).isGreaterThanOrEqualTo(read.getLong("deliveredAt"));
      assertThat(bobs.getLong("sentAt")).isGreaterThanOrEqualTo(read.getLong("sentAt"));
      client.await(Frames.receipt(m1).and(Frames.of("equal to GET /api/receipts " + bobs.encode(),
          f -> f.getLong("sentAt").equals(bobs.getLong("sentAt"))
              && f.getLong("deliveredAt").equals(bobs.getLong("deliveredAt"))
              && f.getLong("readAt").equals(bobs.getLong("readAt")))));
    }
    TestClient.HttpResult outsider = TestClient.http(region.httpUrl(N2), "GET", "/api/receipts/" + m1,
        TestClient.devToken(region.httpUrl(N2), carol).token(), null);
    assertThat(outsider.status()).as(outsider.toString()).isEqualTo(403);
    assertThat(outsider.json().getString("code")).isEqualTo("forbidden");
    // The batch form a client catching up after a reconnect uses: one request per conversation.
    String aliceToken = TestClient.devToken(region.httpUrl(N2), alice).token();
    String query = new JsonObject().put("messageIds", new io.vertx.core.json.JsonArray().add(m1).add(m2)
        .add("m-unknown")).encode();
    TestClient.HttpResult batch = TestClient.http(region.httpUrl(N2), "POST", "/api/conversations/" + conversationId
        + "/receipts", aliceToken, query);
    assertThat(batch.status()).as(batch.toString()).isEqualTo(200);
    Map<String, JsonObject> byMessage = new java.util.HashMap<>();
    batch.json().getJsonArray("receipts").forEach(o -> byMessage.put(((JsonObject) o).getString("messageId"),
        ((JsonObject) o).getJsonObject("receipts")));
    assertThat(byMessage).containsOnlyKeys(m1, m2);
    assertThat(byMessage.get(m1).getJsonObject(bob).getLong("readAt")).isEqualTo(read.getLong("readAt"));
    TestClient.HttpResult outsiderBatch = TestClient.http(region.httpUrl(N1), "POST", "/api/conversations/"
        + conversationId + "/receipts", TestClient.devToken(region.httpUrl(N1), carol).token(), query);
    assertThat(outsiderBatch.status()).as(outsiderBatch.toString()).isEqualTo(403);
    TestClient.HttpResult empty = TestClient.http(region.httpUrl(N1), "POST", "/api/conversations/"
        + conversationId + "/receipts", aliceToken, "{\"messageIds\":[]}");
    assertThat(empty.status()).as(empty.toString()).isEqualTo(400);
    assertThat(empty.json().getString("code")).isEqualTo("bad_field");
  }

  // ------------------------------------------------------------------------------------------------------- presence

  @Test
  void presenceFollowsConnectionsAcrossNodes() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(N1, alice);
    a.subscribePresence(bob);
    JsonObject offline = a.await(Frames.presence(bob, false));
    assertThat(offline.getJsonObject("regions").fieldNames().stream()
        .mapToLong(r -> offline.getJsonObject("regions").getLong(r)).sum()).isZero();

    int mark = a.mark();
    TestClient bobPhone = connect(N2, bob);
    JsonObject online = a.awaitFrom(mark, Frames.presence(bob, true));
    assertThat(online.getJsonObject("regions").getLong(region.region())).isEqualTo(1L);
    JsonObject http = a.presence(bob);
    assertThat(http.getString("userId")).isEqualTo(bob);
    assertThat(http.getBoolean("online")).isTrue();
    assertThat(http.getJsonObject("regions").getLong(region.region())).isEqualTo(1L);

    mark = a.mark();
    TestClient bobLaptop = connect(N1, bob);
    a.awaitFrom(mark, Frames.presence(bob, true).and(Frames.of("2 connections",
        f -> f.getJsonObject("regions").getLong(region.region()) == 2L)));

    mark = a.mark();
    bobLaptop.close();
    a.awaitFrom(mark, Frames.presence(bob, true).and(Frames.of("1 connection",
        f -> f.getJsonObject("regions").getLong(region.region()) == 1L)));

    mark = a.mark();
    bobPhone.close();
    a.awaitFrom(mark, Frames.presence(bob, false));
    assertThat(a.presence(bob).getBoolean("online")).isFalse();
  }

  // ----------------------------------------------------------------------------------------------- sync and history

  @Test
  void syncAfterBeingOfflineGetsEverythingOnceAndCursorsWorkOnEveryNode() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(N1, alice);
    String conversationId = a.createDirect(bob);
    List<String> expected = canonicalIds(burst(a, conversationId, 30, "while you were away"));

    TestClient bobOnN2 = connect(N2, bob);
    TestClient.SyncAll all = bobOnN2.syncAll(conversationId, null, 7);
    for (int i = 0; i < all.pages().size(); i++) {
      TestClient.SyncPage page = all.pages().get(i);
      assertThat(page.messages().size()).as("page %d size", i).isLessThanOrEqualTo(7);
      assertThat(page.frame().getString("conversationId")).isEqualTo(conversationId);
      assertThat(page.hasMore()).as("hasMore of page %d of %d", i, all.pages().size())
          .isEqualTo(i < all.pages().size() - 1);
      assertThat(page.cursor()).isNotNull();
    }
    assertThat(all.pages().size()).isGreaterThanOrEqualTo(5);
    Checks.assertStrictlyCanonical("sync", all.messages());
    assertThat(all.messageIds()).containsExactlyElementsOf(expected);

    TestClient.SyncPage nothing = bobOnN2.sync(conversationId, all.cursor(), 7);
    assertThat(nothing.messages()).isEmpty();
    assertThat(nothing.hasMore()).isFalse();

    // A cursor from node 1 resumes on node 2 without gaps or repeats.
    TestClient bobOnN1 = connect(N1, bob);
    TestClient.SyncPage firstPage = bobOnN1.sync(conversationId, null, 7);
    assertThat(firstPage.messages()).hasSize(7);
    assertThat(firstPage.hasMore()).isTrue();
    TestClient.SyncAll rest = bobOnN2.syncAll(conversationId, firstPage.cursor(), 7);
    List<String> resumed = new ArrayList<>(Checks.ids(firstPage.messages()));
    resumed.addAll(rest.messageIds());
    assertThat(resumed).containsExactlyElementsOf(expected);

    // The final cursor still works for what comes next.
    String next = a.sendAndAwaitAck(conversationId, "one more").getString("messageId");
    TestClient.SyncPage after = bobOnN1.sync(conversationId, all.cursor(), 7);
    assertThat(Checks.ids(after.messages())).containsExactly(next);
    assertThat(after.hasMore()).isFalse();
  }

  @Test
  void historyPagesNewestFirstWithoutGapsOrRepeats() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(N1, alice);
    TestClient b = connect(N2, bob);
    String conversationId = a.createDirect(bob);
    List<String> sent = canonicalIds(burst(a, conversationId, 25, "page me"));
    List<String> newestFirst = new ArrayList<>(sent);
    Collections.reverse(newestFirst);

    for (TestClient reader : List.of(a, b)) {
      List<JsonObject> collected = new ArrayList<>();
      List<Integer> sizes = new ArrayList<>();
      String before = null;
      for (int page = 0; page < 10; page++) {
        TestClient.HttpResult r = reader.history(conversationId, before, 10);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<JsonObject> messages = r.json().getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
        sizes.add(messages.size());
        collected.addAll(messages);
        before = r.json().getString("before");
        if (messages.isEmpty() || before == null) {
          break;
        }
      }
      assertThat(sizes.subList(0, 3)).as("page sizes on %s", reader).containsExactly(10, 10, 5);
      Checks.assertStrictlyReverseCanonical("history", collected);
      assertThat(Checks.ids(collected)).as("history on %s", reader).containsExactlyElementsOf(newestFirst);
    }
  }

  // --------------------------------------------------------------------------------------------------------- groups

  @Test
  void groupMessagesReachMembersOnlyAndMembershipChangesApply() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    String carol = uniqueUser("carol");
    String dave = uniqueUser("dave");
    TestClient a = connect(N1, alice);
    TestClient b = connect(N2, bob);
    TestClient c = connect(N1, carol);
    TestClient d = connect(N2, dave);

    TestClient.HttpResult created = a.createConversation("group", List.of(bob, carol), "e2e group");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonObject group = created.json();
    String groupId = group.getString("conversationId");
    assertThat(groupId).startsWith("g-");
    assertThat(group.getString("type")).isEqualTo("group");
    assertThat(group.getString("title")).isEqualTo("e2e group");
    assertThat(group.getJsonArray("participants").getList()).containsExactlyInAnyOrder(alice, bob, carol);

    String m1 = a.sendAndAwaitAck(groupId, "hello group").getString("messageId");
    for (TestClient member : List.of(a, b, c)) {
      assertThat(member.await(Frames.message(m1)).getJsonObject("message").getString("senderId")).isEqualTo(alice);
    }

    // A non-member can neither send nor read.
    String intrusion = newClientMsgId();
    d.sendMessage(groupId, intrusion, "let me in");
    JsonObject error = d.await(Frames.errorFor(intrusion));
    assertThat(error.getString("code")).isEqualTo("forbidden");
    assertThat(d.frames(Frames.ack(intrusion))).isEmpty();
    int mark = d.mark();
    d.send(new JsonObject().put("type", "sync").put("conversationId", groupId).putNull("cursor").put("limit", 10));
    assertThat(d.awaitFrom(mark, Frames.type("error").or(Frames.type("sync_result"))).getString("code"))
        .isEqualTo("forbidden");
    TestClient.HttpResult denied = d.history(groupId, null, 10);
    assertThat(denied.status()).as(denied.toString()).isEqualTo(403);

    String m2 = b.sendAndAwaitAck(groupId, "bob here").getString("messageId");
    a.await(Frames.message(m2));
    c.await(Frames.message(m2));
    // d is connected on the same node as b; by now it would have the message if it leaked.
    d.pingPong();
    assertThat(d.frames(Frames.messageIn(groupId))).isEmpty();
    assertThat(Checks.ids(a.fullHistory(groupId, 50))).containsExactly(m2, m1);
    assertThat(Checks.ids(a.fullHistory(groupId, 50))).doesNotContain(Ids.messageId(dave, intrusion));

    // Added later, dave can send and receive.
    TestClient.HttpResult added = a.members(groupId, List.of(dave), List.of());
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(added.json().getJsonArray("participants").getList()).containsExactlyInAnyOrder(alice, bob, carol, dave);
    String m3 = d.sendAndAwaitAck(groupId, "thanks for adding me").getString("messageId");
    for (TestClient member : List.of(a, b, c, d)) {
      member.await(Frames.message(m3));
    }
    String m4 = c.sendAndAwaitAck(groupId, "welcome dave").getString("messageId");
    d.await(Frames.message(m4));
    assertThat(d.conversations().getJsonArray("conversations").stream()
        .map(x -> ((JsonObject) x).getString("conversationId"))).contains(groupId);

    // Removed, carol can no longer send.
    TestClient.HttpResult removed = a.members(groupId, List.of(), List.of(carol));
    assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
    assertThat(removed.json().getJsonArray("participants").getList()).containsExactlyInAnyOrder(alice, bob, dave);
    String afterRemoval = newClientMsgId();
    c.sendMessage(groupId, afterRemoval, "am I still here?");
    assertThat(c.await(Frames.errorFor(afterRemoval)).getString("code")).isEqualTo("forbidden");

    // A non-participant cannot change the membership.
    TestClient.HttpResult hijack = c.members(groupId, List.of(carol), List.of());
    assertThat(hijack.status()).as(hijack.toString()).isEqualTo(403);

    Map<String, Integer> counts = new LinkedHashMap<>();
    a.frames(Frames.messageIn(groupId)).forEach(f -> counts.merge(
        f.getJsonObject("message").getString("messageId"), 1, Integer::sum));
    assertThat(counts).containsOnlyKeys(m1, m2, m3, m4).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
  }
}
