package io.lattice.e2e;

import io.lattice.e2e.support.Checks;
import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.lattice.model.Ids;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.lattice.e2e.support.TestClient.newClientMsgId;
import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a node in the middle of a conversation. Clients on the dead node fail over to the surviving node the
 * way a real client does (reconnect, sync from the last cursor, resend un-acked sends with the same clientMsgId);
 * afterwards every acknowledged message is stored exactly once and every device has seen every one of them.
 * Has its own region because it kills a node.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NodeFailureIT {
  private static final int N1 = 0;
  private static final int N2 = 1;
  private static final int ROUNDS = 60;
  private static final int KILL_AT = 20;
  private static final long PACE_MS = 100;
  private static RegionCluster region;

  @BeforeAll
  static void startRegion() {
    region = RegionCluster.builder().name("NodeFailureIT").nodes(2).start();
  }

  @AfterAll
  static void stopRegion() {
    if (region != null) {
      region.close();
    }
  }

  /** One device of one user, with the client-side logic of a real app: cursor, pending sends, failover. */
  private static final class Device {
    final String name;
    final String user;
    final String conversationId;
    final List<TestClient> sessions = new ArrayList<>();
    TestClient client;
    String cursor;
    final List<String> syncedIds = new ArrayList<>();
    final Map<String, String> pending = new LinkedHashMap<>();
    final Map<String, Integer> pendingMark = new HashMap<>();
    final Map<String, String> acked = new LinkedHashMap<>();
    final List<String> ackConflicts = new ArrayList<>();
    int sends;
    int resends;

    Device(String name, String user, String conversationId) {
      this.name = name;
      this.user = user;
      this.conversationId = conversationId;
    }

    void connect(int node) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          client = TestClient.connect(region, node, user);
          sessions.add(client);
          return;
        } catch (AssertionError e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // reconnect back-off
        }
      }
    }

    /** Syncs from the last cursor until hasMore is false. */
    void catchUp() {
      TestClient.SyncAll all = client.syncAll(conversationId, cursor, 50);
      syncedIds.addAll(all.messageIds());
      cursor = all.cursor();
    }

    boolean send(String clientMsgId, String content) {
      pending.put(clientMsgId, content);
      pendingMark.put(clientMsgId, client.mark());
      sends++;
      return client.trySend(TestClient.sendFrame(conversationId, clientMsgId, content));
    }

    /** Moves every acknowledged pending send (on any session so far) to acked. */
    void harvest() {
      for (TestClient session : sessions) {
        for (JsonObject ack : session.frames(Frames.type("ack"))) {
          String clientMsgId = ack.getString("clientMsgId");
          String messageId = ack.getString("messageId");
          String previous = acked.get(clientMsgId);
          if (previous != null && !previous.equals(messageId)) {
            ackConflicts.add(clientMsgId + ": " + previous + " vs " + messageId);
          }
          if (pending.remove(clientMsgId) != null) {
            acked.put(clientMsgId, messageId);
          }
        }
      }
    }

    /** What a client does when its socket dies: reconnect elsewhere, sync from the cursor, resend un-acked sends. */
    void failover(int node) {
      harvest();
      connect(node);
      catchUp();
      for (Map.Entry<String, String> e : new ArrayList<>(pending.entrySet())) {
        resends++;
        pendingMark.put(e.getKey(), client.mark());
        client.trySend(TestClient.sendFrame(conversationId, e.getKey(), e.getValue()));
      }
    }

    /** Waits until every pending send is acknowledged, resending after retryable errors. */
    void drain() {
      harvest();
      for (String clientMsgId : new ArrayList<>(pending.keySet())) {
        for (int attempt = 0; ; attempt++) {
          JsonObject outcome = client.awaitFrom(pendingMark.get(clientMsgId), Frames.outcome(clientMsgId),
              Duration.ofSeconds(45));
          if ("ack".equals(outcome.getString("type"))) {
            pending.remove(clientMsgId);
            acked.put(clientMsgId, outcome.getString("messageId"));
            break;
          }
          String code = outcome.getString("code");
          assertThat(code).as("%s: error for %s: %s", name, clientMsgId, outcome)
              .isIn("unavailable", "internal", "rate_limited");
          assertThat(attempt).as("%s: attempts for %s", name, clientMsgId).isLessThan(20);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(outcome.getLong("retryAfterMs", 500L)));
          resends++;
          pendingMark.put(clientMsgId, client.mark());
          client.sendMessage(conversationId, clientMsgId, pending.get(clientMsgId));
        }
      }
    }

    List<String> liveIds() {
      List<String> ids = new ArrayList<>();
      for (TestClient session : sessions) {
        ids.addAll(Checks.ids(Checks.unwrap(session.frames(Frames.messageIn(conversationId)))));
      }
      return ids;
    }

    /** messageIds delivered live more than once on one and the same session. */
    Map<String, Integer> liveDuplicatesWithinASession() {
      Map<String, Integer> dups = new LinkedHashMap<>();
      for (TestClient session : sessions) {
        dups.putAll(Checks.duplicates(Checks.counts(Checks.unwrap(session.frames(Frames.messageIn(conversationId))),
            m -> m.getString("messageId"))));
      }
      return dups;
    }

    Set<String> seen() {
      Set<String> seen = new LinkedHashSet<>(liveIds());
      seen.addAll(syncedIds);
      return seen;
    }
  }

  @Test
  void killingANodeLosesAndDuplicatesNothingAcknowledged() throws IOException {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    String conversationId = Ids.directConversationId(alice, bob);

    Device alicePhone = new Device("alice-phone", alice, conversationId);
    alicePhone.connect(N2);
    assertThat(alicePhone.client.createDirect(bob)).isEqualTo(conversationId);
    Device aliceLaptop = new Device("alice-laptop", alice, conversationId);
    aliceLaptop.connect(N2);
    Device bobPhone = new Device("bob-phone", bob, conversationId);
    bobPhone.connect(N1);
    for (Device d : List.of(alicePhone, aliceLaptop, bobPhone)) {
      d.catchUp();
    }
    TestClient alicePhoneFirst = alicePhone.client;
    TestClient aliceLaptopFirst = aliceLaptop.client;

    CompletableFuture<Void> killer = null;
    long killStarted = 0;
    for (int i = 0; i < ROUNDS; i++) {
      if (i == KILL_AT) {
        killStarted = System.nanoTime();
        killer = CompletableFuture.runAsync(() -> region.kill(N2));
      }
      if (!alicePhone.client.isOpen()) {
        alicePhone.failover(N1);
      }
      if (!alicePhone.send(newClientMsgId(), "alice " + i)) {
        alicePhone.failover(N1);
      }
      if (i % 4 == 0) {
        assertThat(bobPhone.send(newClientMsgId(), "bob " + i)).as("bob's socket on the surviving node").isTrue();
      }
      alicePhone.harvest();
      bobPhone.harvest();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PACE_MS)); // pacing of the load loop
    }
    killer.join();
    assertThat(region.isAlive(N2)).isFalse();

    // The devices on the dead node saw their sockets end; the laptop fails over too.
    TestClient.CloseInfo phoneClose = alicePhoneFirst.awaitClose(Duration.ofSeconds(15));
    TestClient.CloseInfo laptopClose = aliceLaptopFirst.awaitClose(Duration.ofSeconds(15));
    long detectMs = TimeUnit.NANOSECONDS.toMillis(Math.max(phoneClose.atNanos(), laptopClose.atNanos()) - killStarted);
    if (alicePhone.client == alicePhoneFirst) {
      alicePhone.failover(N1);
    }
    aliceLaptop.failover(N1);

    alicePhone.drain();
    bobPhone.drain();
    assertThat(bobPhone.sessions).as("bob on the surviving node never lost his socket").hasSize(1);
    assertThat(bobPhone.client.isOpen()).isTrue();

    Map<String, String> acked = new LinkedHashMap<>();
    acked.putAll(alicePhone.acked);
    acked.putAll(bobPhone.acked);
    // Every send() used a fresh clientMsgId (resends reuse it), so every send must end up acknowledged.
    assertThat(acked).as("every send acknowledged in the end").hasSize(alicePhone.sends + bobPhone.sends);
    acked.forEach((clientMsgId, messageId) -> assertThat(messageId)
        .isIn(Ids.messageId(alice, clientMsgId), Ids.messageId(bob, clientMsgId)));
    assertThat(alicePhone.ackConflicts).as("acks of one clientMsgId with different messageIds").isEmpty();
    Set<String> ackedIds = new HashSet<>(acked.values());

    // Every acknowledged message is in the history exactly once, and nothing else is.
    List<JsonObject> history = bobPhone.client.fullHistory(conversationId, 200);
    Map<String, Integer> historyCounts = Checks.counts(history, m -> m.getString("messageId"));
    assertThat(Checks.duplicates(historyCounts)).as("duplicates in history").isEmpty();
    assertThat(historyCounts.keySet()).containsExactlyInAnyOrderElementsOf(ackedIds);
    Checks.assertStrictlyReverseCanonical("history", history);

    // Each device catches up from its cursor and then has seen every acknowledged message.
    for (Device d : List.of(alicePhone, aliceLaptop, bobPhone)) {
      d.catchUp();
    }
    StringBuilder report = new StringBuilder("NodeFailureIT: ").append(acked.size()).append(" acknowledged messages (")
        .append(alicePhone.acked.size()).append(" from alice, ").append(bobPhone.acked.size()).append(" from bob); ")
        .append("sockets on the killed node ended ").append(detectMs).append(" ms after kill -9 started (")
        .append(phoneClose).append(")\n");
    for (Device d : List.of(alicePhone, aliceLaptop, bobPhone)) {
      Set<String> seen = d.seen();
      List<String> live = d.liveIds();
      Set<String> liveDistinct = new HashSet<>(live);
      Map<String, Integer> withinSession = d.liveDuplicatesWithinASession();
      int liveRawDuplicates = live.size() - liveDistinct.size();
      long onlyViaSync = ackedIds.stream().filter(id -> !liveDistinct.contains(id)).count();
      Map<String, Integer> syncCounts = new LinkedHashMap<>();
      d.syncedIds.forEach(id -> syncCounts.merge(id, 1, Integer::sum));
      report.append(String.format("  %-12s sessions=%d resends=%d | live frames=%d distinct=%d raw duplicates=%d "
              + "(within one session: %s) | sync along the cursor chain=%d (duplicates %d) | acked messages "
              + "recovered only by sync=%d | seen (deduped by messageId)=%d%n", d.name, d.sessions.size(), d.resends,
          live.size(), liveDistinct.size(), liveRawDuplicates, withinSession, d.syncedIds.size(),
          Checks.duplicates(syncCounts).size(), onlyViaSync, seen.size()));
      assertThat(Checks.duplicates(syncCounts)).as("%s: syncs along one cursor chain repeated messages", d.name)
          .isEmpty();
      assertThat(seen).as("%s has seen every acknowledged message", d.name).containsAll(ackedIds);
      assertThat(ackedIds).as("%s saw nothing that was not acknowledged", d.name).containsAll(seen);
    }
    System.out.println(report);
    Files.writeString(region.logFile(N1).resolveSibling("NodeFailureIT-report.txt"), report.toString());

    // The killed node comes back, rejoins the region and serves the whole conversation again.
    region.restart(N2);
    Device aliceTablet = new Device("alice-tablet", alice, conversationId);
    aliceTablet.connect(N2);
    aliceTablet.catchUp();
    assertThat(aliceTablet.syncedIds).containsExactlyElementsOf(reversed(Checks.ids(history)));
    JsonObject ack = aliceTablet.client.sendAndAwaitAck(conversationId, "back on n2");
    bobPhone.client.await(Frames.message(ack.getString("messageId")));
    alicePhone.client.await(Frames.message(ack.getString("messageId")));
    aliceTablet.client.close();
  }

  private static List<String> reversed(List<String> list) {
    List<String> out = new ArrayList<>(list);
    java.util.Collections.reverse(out);
    return out;
  }
}
