package io.lattice.e2e;

import io.lattice.e2e.support.Checks;
import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.RawWebSocket;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.lattice.model.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import static io.lattice.e2e.support.TestClient.newClientMsgId;
import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad input gets the documented error and leaves the socket usable (docs/protocol.md, "Error codes").
 * Runs with the default limits (16 KiB content, 64 KiB frames, 20 msg/s burst 40).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT extends RegionTestBase {
  private static final int N1 = 0;
  private static final int N2 = 1;
  private String alice;
  private String bob;
  private TestClient a;
  private TestClient b;
  private String conversationId;

  @BeforeAll
  static void startRegion() {
    region = RegionCluster.builder().name("BadInputIT").nodes(2).rateLimit(20, 40)
        .env("GATEWAY__MAX_CONTENT_CHARS", 16384).env("GATEWAY__MAX_FRAME_BYTES", 65536).start();
  }

  @BeforeEach
  void directConversation() {
    alice = uniqueUser("alice");
    bob = uniqueUser("bob");
    a = connect(N1, alice);
    b = connect(N2, bob);
    conversationId = a.createDirect(bob);
  }

  /** Sends {@code text} raw and returns the error frame that answers it. */
  private static JsonObject expectError(TestClient client, String text, String code) {
    int mark = client.mark();
    client.sendText(text);
    JsonObject answer = client.awaitFrom(mark, Frames.type("error").or(Frames.type("ack"))
        .or(Frames.type("sync_result")).or(Frames.type("pong")));
    String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
    assertThat(answer.getString("type")).as("answer to %s: %s", shown, answer).isEqualTo("error");
    assertThat(answer.getString("code")).as("error code for %s: %s", shown, answer).isEqualTo(code);
    assertThat(answer.getString("message")).as("message of %s", answer).isNotNull();
    return answer;
  }

  private static JsonObject expectError(TestClient client, JsonObject frame, String code) {
    return expectError(client, frame.encode(), code);
  }

  /** The socket is still open and usable: a ping gets a pong and a valid send is acked and delivered. */
  private void assertStillWorks(TestClient client) {
    assertThat(client.isOpen()).as("%s still open (%s)", client, client.closeInfo()).isTrue();
    client.pingPong();
    JsonObject ack = client.sendAndAwaitAck(conversationId, "still works");
    (client == b ? a : b).await(Frames.message(ack.getString("messageId")));
  }

  private JsonObject send(String clientMsgId) {
    return TestClient.sendFrame(conversationId, clientMsgId, "hi");
  }

  @Test
  void notAJsonObjectIsBadJson() {
    for (String text : List.of("hello{", "{\"type\":\"send\"", "", "[1,2]", "[{\"type\":\"ping\"}]", "\"ping\"", "42",
        "null", "true")) {
      expectError(a, text, "bad_json");
    }
    assertStillWorks(a);
  }

  @Test
  void missingOrUnknownTypeIsUnknownType() {
    expectError(a, new JsonObject().put("type", "nope"), "unknown_type");
    expectError(a, new JsonObject(), "unknown_type");
    expectError(a, new JsonObject().put("conversationId", conversationId), "unknown_type");
    expectError(a, new JsonObject().put("type", 42), "unknown_type");
    expectError(a, new JsonObject().put("type", "SEND"), "unknown_type");
    assertStillWorks(a);
  }

  @Test
  void missingFieldsAreMissingField() {
    String id = newClientMsgId();
    JsonObject noConversation = new JsonObject().put("type", "send").put("clientMsgId", id).put("content", "x");
    assertThat(expectError(a, noConversation, "missing_field").getString("clientMsgId")).isEqualTo(id);
    expectError(a, new JsonObject().put("type", "send").put("conversationId", conversationId).put("content", "x"),
        "missing_field");
    String noContent = newClientMsgId();
    assertThat(expectError(a, new JsonObject().put("type", "send").put("clientMsgId", noContent)
        .put("conversationId", conversationId), "missing_field").getString("clientMsgId")).isEqualTo(noContent);
    expectError(a, new JsonObject().put("type", "send").put("clientMsgId", newClientMsgId())
        .put("conversationId", conversationId).putNull("content").putNull("mediaUrl"), "missing_field");
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("status", "read"), "missing_field");
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray().add("m-1")), "missing_field");
    expectError(a, new JsonObject().put("type", "receipt").put("messageIds", new JsonArray().add("m-1"))
        .put("status", "read"), "missing_field");
    expectError(a, new JsonObject().put("type", "sync").putNull("cursor").put("limit", 10), "missing_field");
    expectError(a, new JsonObject().put("type", "typing"), "missing_field");
    expectError(a, new JsonObject().put("type", "subscribe_presence"), "missing_field");
    assertThat(a.frames(Frames.type("ack"))).isEmpty();
    assertStillWorks(a);
  }

  @Test
  void wrongTypesAndInvalidValuesAreBadField() {
    String id = newClientMsgId();
    assertThat(expectError(a, send(id).put("conversationId", 42), "bad_field").getString("clientMsgId"))
        .isEqualTo(id);
    expectError(a, send(newClientMsgId()).put("content", 5), "bad_field");
    expectError(a, send(newClientMsgId()).put("content", new JsonObject()), "bad_field");
    expectError(a, send(""), "bad_field");
    expectError(a, send("x".repeat(129)), "bad_field");
    expectError(a, send(newClientMsgId()).put("clientMsgId", 7), "bad_field");
    expectError(a, send(newClientMsgId()).put("mediaUrl", "ftp://elsewhere/cat.png"), "bad_field");
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray().add("m-1")).put("status", "seen"), "bad_field");
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", "m-1").put("status", "read"), "bad_field");
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray().add(1)).put("status", "read"), "bad_field");
    expectError(a, new JsonObject().put("type", "sync").put("conversationId", conversationId)
        .putNull("cursor").put("limit", "ten"), "bad_field");
    expectError(a, new JsonObject().put("type", "subscribe_presence").put("userIds", new JsonArray().add(1)),
        "bad_field");
    expectError(a, new JsonObject().put("type", "subscribe_presence").put("userIds", bob), "bad_field");
    assertThat(a.frames(Frames.type("ack"))).isEmpty();
    assertStillWorks(a);
  }

  @Test
  void contentOverTheLimitIsTooLargeButTheLimitItselfIsFine() {
    String over = newClientMsgId();
    JsonObject error = expectError(a, TestClient.sendFrame(conversationId, over, "y".repeat(16 * 1024 + 1)),
        "too_large");
    assertThat(error.getString("clientMsgId")).isEqualTo(over);

    String exact = newClientMsgId();
    JsonObject ack = a.sendAndAwaitAck(conversationId, exact, "z".repeat(16 * 1024));
    assertThat(b.await(Frames.message(ack.getString("messageId"))).getJsonObject("message").getString("content"))
        .hasSize(16 * 1024);

    // Many ids are too large too.
    JsonArray ids = new JsonArray();
    IntStream.range(0, 501).forEach(i -> ids.add("m-" + i));
    expectError(a, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", ids).put("status", "read"), "too_large");
    JsonArray users = new JsonArray();
    IntStream.range(0, 501).forEach(i -> users.add("u-" + i));
    expectError(a, new JsonObject().put("type", "subscribe_presence").put("userIds", users), "too_large");

    // A frame under 64 KiB whose content is over 16 KiB is an error, not a close.
    int mark = a.mark();
    assertThat(a.sendLargeMessage(60_000, conversationId)).isTrue();
    a.awaitFrom(mark, Frames.error("too_large"), Duration.ofSeconds(10));
    assertThat(b.fullHistory(conversationId, 50)).hasSize(1);
    assertStillWorks(a);
  }

  @Test
  void badCursorIsBadField() {
    for (Object cursor : List.of("not a cursor!", "Zm9vYmFy", "%%%", "eyJ1cy1lYXN0IjoiYSJ9", 12)) {
      expectError(a, new JsonObject().put("type", "sync").put("conversationId", conversationId)
          .put("cursor", cursor).put("limit", 10), "bad_field");
    }
    assertStillWorks(a);
    // A cursor the server issued is fine.
    TestClient.SyncPage page = a.sync(conversationId, null, 10);
    assertThat(a.sync(conversationId, page.cursor(), 10).messages()).isEmpty();
  }

  @Test
  void notAParticipantIsForbidden() {
    String carol = uniqueUser("carol");
    TestClient c = connect(N2, carol);
    String id = newClientMsgId();
    JsonObject error = expectError(c, TestClient.sendFrame(conversationId, id, "sneaky"), "forbidden");
    assertThat(error.getString("clientMsgId")).isEqualTo(id);
    expectError(c, new JsonObject().put("type", "sync").put("conversationId", conversationId).putNull("cursor")
        .put("limit", 10), "forbidden");
    String real = a.sendAndAwaitAck(conversationId, "private").getString("messageId");
    expectError(c, new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray().add(real)).put("status", "read"), "forbidden");

    // Nothing of it reached anyone, and carol saw nothing of the conversation.
    String marker = a.sendAndAwaitAck(conversationId, "marker").getString("messageId");
    b.await(Frames.message(marker));
    assertThat(b.frames(Frames.messageWithContent("sneaky"))).isEmpty();
    assertThat(a.frames(Frames.receipt(real).and(Frames.of("readAt>0", f -> f.getLong("readAt") > 0)))).isEmpty();
    assertThat(c.frames(Frames.messageIn(conversationId))).isEmpty();
    assertThat(Checks.ids(b.fullHistory(conversationId, 50))).containsExactly(marker, real)
        .doesNotContain(Ids.messageId(carol, id));

    // Carol's socket is fine for her own conversations.
    String ownConversation = c.createDirect(alice);
    c.pingPong();
    c.sendAndAwaitAck(ownConversation, "hello alice");
  }

  @Test
  void sendingTooFastIsRateLimitedAndOnlyAckedMessagesAreStored() {
    List<String> clientMsgIds = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String id = newClientMsgId();
      clientMsgIds.add(id);
      a.sendMessage(conversationId, id, "flood " + i);
    }
    Map<String, JsonObject> outcomes = new LinkedHashMap<>();
    for (String id : clientMsgIds) {
      outcomes.put(id, a.await(Frames.outcome(id)));
    }
    List<String> acked = new ArrayList<>();
    List<String> limited = new ArrayList<>();
    outcomes.forEach((id, outcome) -> {
      if ("ack".equals(outcome.getString("type"))) {
        acked.add(outcome.getString("messageId"));
      } else {
        assertThat(outcome.getString("code")).as("%s", outcome).isEqualTo("rate_limited");
        assertThat(outcome.getLong("retryAfterMs")).as("retryAfterMs of %s", outcome).isNotNull().isPositive();
        limited.add(id);
      }
    });
    assertThat(limited).as("rate-limited sends out of 60 (acked %d)", acked.size()).isNotEmpty();
    assertThat(acked.size()).as("the burst of 40 passes").isGreaterThanOrEqualTo(40);
    for (String id : clientMsgIds) {
      assertThat(a.frames(Frames.outcome(id))).as("one answer per send").hasSize(1);
    }

    // Exactly the acknowledged messages are stored and delivered: no more, no fewer.
    List<String> synced = b.syncAll(conversationId, null, 500).messageIds();
    assertThat(synced).containsExactlyInAnyOrderElementsOf(acked);
    assertThat(Checks.ids(a.fullHistory(conversationId, 200))).containsExactlyInAnyOrderElementsOf(acked);
    String marker = a.sendAndAwaitAckRetrying(conversationId, "marker").getString("messageId");
    b.await(Frames.message(marker));
    assertThat(Checks.ids(Checks.unwrap(b.frames(Frames.messageIn(conversationId)))))
        .containsExactlyInAnyOrderElementsOf(concat(acked, marker));

    // Retrying after retryAfterMs succeeds; then every send is stored exactly once.
    Set<String> all = new HashSet<>(acked);
    all.add(marker);
    for (String id : limited) {
      String content = "flood retry " + id;
      for (int attempt = 0; ; attempt++) {
        int mark = a.mark();
        a.sendMessage(conversationId, id, content);
        JsonObject outcome = a.awaitFrom(mark, Frames.outcome(id));
        if ("ack".equals(outcome.getString("type"))) {
          all.add(outcome.getString("messageId"));
          break;
        }
        assertThat(outcome.getString("code")).isEqualTo("rate_limited");
        assertThat(attempt).as("attempts for %s", id).isLessThan(20);
        // Pacing as the protocol asks: wait retryAfterMs before retrying.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(outcome.getLong("retryAfterMs")));
      }
    }
    assertThat(all).hasSize(61);
    assertThat(Checks.ids(a.fullHistory(conversationId, 200))).containsExactlyInAnyOrderElementsOf(all);
  }

  private static List<String> concat(List<String> list, String extra) {
    List<String> out = new ArrayList<>(list);
    out.add(extra);
    return out;
  }

  @Test
  void aFrameOver64KiBClosesWith1009() throws IOException {
    String carol = uniqueUser("carol");
    TestClient c = connect(N1, carol);
    String own = c.createDirect(alice);
    try (RawWebSocket raw = c.openRaw()) {
      assertThat(raw.readFrame().text()).contains("\"ready\"");
      raw.sendTextFrame(TestClient.largeSendFrame(70_000, own)); // ONE frame of 70,000 bytes
      List<RawWebSocket.Frame> before = new ArrayList<>();
      RawWebSocket.Frame close = raw.readUntilClose(before);
      assertThat(close).as("a close frame (null: the connection ended without one; frames before: %s)", before)
          .isNotNull();
      assertThat(close.closeCode()).isEqualTo(1009);
    }
    assertThat(c.fullHistory(own, 50)).isEmpty();
    // The server is fine and the user's other connection too.
    c.pingPong();
    c.sendAndAwaitAck(own, "small again");
  }

  @Test
  void aHugeFrameClosesWith1009Too() throws IOException {
    String carol = uniqueUser("carol");
    TestClient c = connect(N2, carol);
    String own = c.createDirect(alice);
    try (RawWebSocket raw = c.openRaw()) {
      assertThat(raw.readFrame().text()).contains("\"ready\"");
      // ONE frame of 2 MB, written while we read: the server may close before it has read it all.
      raw.sendTextFrameInBackground(TestClient.largeSendFrame(2_000_000, own));
      List<RawWebSocket.Frame> before = new ArrayList<>();
      RawWebSocket.Frame close = raw.readUntilClose(before);
      assertThat(close).as("a close frame (null: the connection ended without one; frames before: %s)", before)
          .isNotNull();
      assertThat(close.closeCode()).isEqualTo(1009);
    }
    c.pingPong();
  }

  @Test
  void aMessageOver64KiBInFragmentsIsNotSilentlyDropped() {
    String carol = uniqueUser("carol");
    TestClient c = connect(N2, carol);
    String own = c.createDirect(alice);
    int mark = c.mark();
    // The JDK client sends this as five frames of at most 16 KiB: no frame is over the limit, the message is.
    c.sendLargeMessage(70_000, own);
    try {
      JsonObject error = c.awaitFrom(mark, Frames.type("error"), Duration.ofSeconds(10));
      assertThat(error.getString("code")).as("%s", error).isEqualTo("too_large");
      assertStillWorks(c);
    } catch (AssertionError e) {
      TestClient.CloseInfo close = c.closeInfo();
      if (close == null) {
        throw new AssertionError("a 70,000-byte message (fragmented) got neither an error frame nor a close", e);
      }
      assertThat(close.statusCode()).as("%s", close).isEqualTo(1009);
    }
    assertThat(c.fullHistory(own, 50)).noneMatch(m -> m.getString("content").length() > 16 * 1024);
  }

  // ----------------------------------------------------------------------------------------------------------- HTTP

  /** Collects every mismatch of one test so a single run reports all of them. */
  private final List<String> httpMismatches = new ArrayList<>();

  private void assertHttpError(TestClient.HttpResult r, int status, String code) {
    String problem = null;
    if (r.status() != status) {
      problem = "expected HTTP " + status;
    } else {
      try {
        JsonObject json = new JsonObject(r.body());
        if (!code.equals(json.getString("code")) || json.getString("message") == null) {
          problem = "expected {code:" + code + ", message}";
        }
      } catch (RuntimeException e) {
        problem = "expected a JSON body";
      }
    }
    if (problem != null) {
      StackTraceElement caller = new Throwable().getStackTrace()[1];
      httpMismatches.add("line " + caller.getLineNumber() + ": " + problem + " " + code + " but got " + r);
    }
  }

  @AfterEach
  void reportHttpMismatches() {
    assertThat(httpMismatches).as("HTTP error mismatches").isEmpty();
  }

  @Test
  void httpErrorsAreJson() {
    String base = region.httpUrl(N2);
    assertHttpError(TestClient.http(base, "POST", "/api/conversations", a.token(), "{not json"), 400, "bad_json");
    assertHttpError(TestClient.http(base, "POST", "/api/conversations", a.token(), "[1]"), 400, "bad_json");
    assertHttpError(TestClient.http(base, "GET", "/api/conversations", null, null), 401, "unauthorized");
    assertHttpError(TestClient.http(base, "GET", "/api/conversations", "garbage", null), 401, "unauthorized");
    assertHttpError(TestClient.http(base, "GET", "/api/conversations/" + conversationId + "/messages", null, null),
        401, "unauthorized");
    assertHttpError(a.history(Ids.directConversationId(uniqueUser("x"), uniqueUser("y")), null, 10), 404,
        "not_found");
    assertHttpError(a.history("g-" + java.util.UUID.randomUUID(), null, 10), 404, "not_found");
    assertHttpError(a.get("/api/receipts/" + Ids.messageId(alice, "never-sent")), 404, "not_found");

    TestClient.HttpResult outsider = TestClient.http(base, "GET", "/api/conversations/" + conversationId
        + "/messages", TestClient.devToken(base, uniqueUser("carol")).token(), null);
    assertHttpError(outsider, 403, "forbidden");

    assertHttpError(a.http("POST", "/api/conversations", new JsonObject().put("type", "direct")), 400,
        "missing_field");
    assertHttpError(a.http("POST", "/api/conversations", new JsonObject().put("type", "channel")
        .put("participants", new JsonArray().add(bob))), 400, "bad_field");
    assertHttpError(a.http("POST", "/api/conversations", new JsonObject().put("type", "direct")
        .put("participants", new JsonArray().add(bob).add(uniqueUser("carol")))), 400, "bad_field");
    assertHttpError(a.http("POST", "/api/conversations", new JsonObject().put("type", "direct")
        .put("participants", "bob")), 400, "bad_field");
    assertHttpError(a.get("/api/conversations/" + conversationId + "/messages?limit=abc"), 400, "bad_field");
  }

  @Test
  void devTokenEndpointErrors() {
    String base = region.httpUrl(N1);
    assertHttpError(TestClient.http(base, "POST", "/api/dev/token", null, "nope"), 400, "bad_json");
    assertHttpError(TestClient.http(base, "POST", "/api/dev/token", null, "{\"userId\":42}"), 400, "bad_field");
    assertHttpError(TestClient.http(base, "POST", "/api/dev/token", null, "{}"), 400, "missing_field");
  }
}
