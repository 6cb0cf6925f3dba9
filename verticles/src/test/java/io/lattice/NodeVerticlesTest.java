package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.store.TestVertx;
import io.lattice.support.BlockedThreadWatch;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The five verticles of one node wired as in production, in this JVM, on a Vert.x whose blocked-thread checker
 * fires after 200 ms: the message path works and nothing on it blocks an event loop.
 */
class NodeVerticlesTest {
  private static BlockedThreadWatch blocked;
  private static InProcessNode node;
  private static HttpServer webhook;
  private static final BlockingQueue<JsonObject> pushes = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    webhook.createContext("/push", exchange -> {
      pushes.add(new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    webhook.start();
    node = InProcessNode.start(new JsonObject().put("notification", new JsonObject().put("sender", "webhook")
        .put("webhook", new JsonObject().put("url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/push"))));
    // Classes load lazily (hundreds of ms on a cold, shared machine): warm the message path up once, then watch.
    String warm = TestClient.uniqueUser("warm");
    try (TestClient a = TestClient.connect(node.httpUrl(), node.wsUrl(), warm)) {
      String conversation = a.createDirect(TestClient.uniqueUser("peer"));
      a.await(Frames.message(a.sendAndAwaitAck(conversation, "warm up").getString("messageId")));
    }
    blocked = BlockedThreadWatch.install();
  }

  @AfterAll
  static void stop() {
    try {
      node.close();
      webhook.stop(0);
    } finally {
      blocked.uninstall();
    }
    assertThat(blocked.warnings()).as("blocked-thread warnings").isEmpty();
  }

  private TestClient connect(String user) {
    return TestClient.connect(node.httpUrl(), node.wsUrl(), user);
  }

  @Test
  void should_ack_once_durable_and_deliver_to_every_device_of_every_participant() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient alicePhone = connect(alice); TestClient aliceLaptop = connect(alice); TestClient bobPhone =
        connect(bob)) {
      String conversation = alicePhone.createDirect(bob);
      JsonObject ack = alicePhone.sendAndAwaitAck(conversation, "hello bob");
      String messageId = ack.getString("messageId");

      for (TestClient device : List.of(bobPhone, aliceLaptop, alicePhone)) {
        JsonObject frame = device.await(Frames.message(messageId));
        assertThat(frame.getJsonObject("message").getString("content")).isEqualTo("hello bob");
        assertThat(frame.getJsonObject("message").getLong("lamport")).isEqualTo(ack.getLong("lamport"));
      }
      assertThat(node.stores.messages().get(messageId).toCompletionStage().toCompletableFuture().join())
          .isPresent();
    }
  }

  @Test
  void should_answer_bad_frames_with_stable_codes_and_keep_the_socket() {
    String alice = TestClient.uniqueUser("alice");
    try (TestClient client = connect(alice)) {
      client.sendText("not json");
      client.await(Frames.error("bad_json"));
      client.sendText("{\"type\":\"teleport\"}");
      client.await(Frames.error("unknown_type"));
      client.sendText("{\"type\":\"send\",\"conversationId\":\"x\",\"content\":\"hi\"}");
      client.await(Frames.error("missing_field"));
      client.sendText("{\"type\":\"sync\",\"conversationId\":\"x\",\"cursor\":\"%%%\"}");
      client.await(Frames.error("bad_field"));
      assertThat(client.pingPong().getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void should_merge_receipts_so_the_sender_sees_them_and_they_never_go_back() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient aliceClient = connect(alice); TestClient bobClient = connect(bob)) {
      String conversation = aliceClient.createDirect(bob);
      String messageId = aliceClient.sendAndAwaitAck(conversation, "read me").getString("messageId");
      bobClient.await(Frames.message(messageId));

      bobClient.receipt(conversation, "read", messageId);
      JsonObject read = aliceClient.await(Frames.receipt(messageId).and(Frames.of("read", f -> f.getLong("readAt") > 0)));
      bobClient.receipt(conversation, "delivered", messageId);
      JsonObject later = aliceClient.await(Frames.receipt(messageId).and(Frames.of("delivered", f -> f.getLong("deliveredAt") > 0)));
      assertThat(later.getLong("readAt")).isEqualTo(read.getLong("readAt"));
      assertThat(later.getLong("sentAt")).isGreaterThan(0);
    }
  }

  @Test
  void should_push_to_recipients_without_a_live_session() throws Exception {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient aliceClient = connect(alice)) {
      String conversation = aliceClient.createDirect(bob);
      String messageId = aliceClient.sendAndAwaitAck(conversation, "are you there?").getString("messageId");
      JsonObject push;
      do {
        push = pushes.poll(15, TimeUnit.SECONDS);
        assertThat(push).as("a push for bob").isNotNull();
      } while (!messageId.equals(push.getString("messageId")));
      assertThat(push.getString("userId")).isEqualTo(bob);
      assertThat(push.getString("senderId")).isEqualTo(alice);
      assertThat(push.getString("preview")).isEqualTo("are you there?");
    }
  }

  @Test
  void should_carry_media_uploaded_through_a_signed_url() throws Exception {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient aliceClient = connect(alice); TestClient bobClient = connect(bob)) {
      String conversation = aliceClient.createDirect(bob);
      byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
      JsonObject grant = aliceClient.http("POST", "/api/media", new JsonObject().put("contentType", "image/png")
          .put("size", png.length)).json();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl()
          + grant.getString("uploadUrl"))).header("Content-Type", "image/png")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(201);

      JsonObject send = TestClient.sendFrame(conversation, TestClient.newClientMsgId(), "").put("mediaUrl",
          grant.getString("mediaUrl"));
      aliceClient.send(send);
      String messageId = aliceClient.await(Frames.ack(send.getString("clientMsgId"))).getString("messageId");
      String mediaUrl = bobClient.await(Frames.message(messageId)).getJsonObject("message").getString("mediaUrl");
      HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + mediaUrl + "?token="
          + bobClient.token())).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(png);
      HttpResponse<byte[]> anonymous = http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + mediaUrl))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(anonymous.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void should_rate_limit_a_group_and_store_exactly_what_was_acknowledged() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    String carol = TestClient.uniqueUser("carol");
    try (TestClient aliceClient = connect(alice); TestClient bobClient = connect(bob)) {
      String group = aliceClient.createGroup("crew", bob, carol);
      List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 15; i++) {
        JsonObject frame = TestClient.sendFrame(group, TestClient.newClientMsgId(), "a" + i);
        ids.add(frame.getString("clientMsgId"));
        aliceClient.send(frame);
      }
      for (int i = 0; i < 15; i++) {
        JsonObject frame = TestClient.sendFrame(group, TestClient.newClientMsgId(), "b" + i);
        ids.add(frame.getString("clientMsgId"));
        bobClient.send(frame);
      }
      List<JsonObject> outcomes = new java.util.ArrayList<>();
      for (String id : ids) {
        TestClient sender = ids.indexOf(id) < 15 ? aliceClient : bobClient;
        outcomes.add(sender.await(Frames.outcome(id)));
      }
      List<String> acked = outcomes.stream().filter(f -> "ack".equals(f.getString("type")))
          .map(f -> f.getString("messageId")).toList();
      List<JsonObject> limited = outcomes.stream().filter(f -> "error".equals(f.getString("type"))).toList();
      assertThat(limited).isNotEmpty().allSatisfy(e -> {
        assertThat(e.getString("code")).isEqualTo("rate_limited");
        assertThat(e.getLong("retryAfterMs")).isPositive();
      });
      assertThat(acked).hasSizeGreaterThanOrEqualTo(20);
      List<String> stored = aliceClient.syncAll(group, null, 100).messageIds();
      assertThat(stored).containsExactlyInAnyOrderElementsOf(acked);
    }
  }

  /**
   * Push devices are registered over HTTP, validated (an http endpoint would make the server post wherever a client
   * says), kept region-wide, and removed again.
   */
  @Test
  void should_register_validate_and_remove_push_devices() {
    String carol = TestClient.uniqueUser("carol");
    try (TestClient c = TestClient.httpOnly(node.httpUrl(), carol)) {
      String token = "fcm-token-" + "x".repeat(40);
      assertThat(c.http("POST", "/api/push/devices", new JsonObject().put("fcmToken", token)).json()
          .getBoolean("registered")).isTrue();
      JsonObject subscription = new JsonObject().put("endpoint", "https://push.example.com/send/abc")
          .put("keys", new JsonObject().put("p256dh", "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM")
              .put("auth", "tBHItJI5svbpez7KI4CCXg"));
      assertThat(c.http("POST", "/api/push/devices", new JsonObject().put("webPush", subscription)).status())
          .isEqualTo(200);
      assertThat(TestVertx.await(node.stores.devices().fcm().devicesOf(carol))).containsExactly(token);
      assertThat(TestVertx.await(node.stores.devices().webPush().devicesOf(carol))).hasSize(1);

      TestClient.HttpResult internal = c.http("POST", "/api/push/devices", new JsonObject().put("webPush",
          subscription.copy().put("endpoint", "http://169.254.169.254/latest")));
      assertThat(internal.status()).isEqualTo(400);
      assertThat(internal.json().getString("code")).isEqualTo("bad_field");
      assertThat(c.http("POST", "/api/push/devices", new JsonObject().put("fcmToken", "short")).status())
          .isEqualTo(400);
      assertThat(c.http("POST", "/api/push/devices", new JsonObject()).json().getString("code"))
          .isEqualTo("missing_field");

      assertThat(c.http("DELETE", "/api/push/devices", new JsonObject().put("fcmToken", token)).status())
          .isEqualTo(200);
      assertThat(TestVertx.await(node.stores.devices().fcm().devicesOf(carol))).isEmpty();
    }
  }
}
