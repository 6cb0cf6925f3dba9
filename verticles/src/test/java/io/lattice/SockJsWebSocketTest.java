package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SockJS's WebSocket endpoints behind the gateway's token check: the raw one ({@code /sockjs/websocket}, plain frames)
 * and the per-session transport ({@code /sockjs/<server>/<session>/websocket}, SockJS framing). An upgrade once
 * answered 500 here while the xhr transports worked, see GatewayVerticle#authenticateSockJs.
 */
class SockJsWebSocketTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static InProcessNode node;

  @BeforeAll
  static void start() throws Exception {
    node = InProcessNode.start(new JsonObject());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static String wsBase() {
    return "ws://127.0.0.1:" + node.port;
  }

  @Test
  void raw_websocket_with_a_valid_token_gets_ready_and_can_send() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    String token = TestClient.devToken(node.httpUrl(), alice).token();
    // connectWithToken fails unless the upgrade answers 101 and a ready frame arrives.
    try (TestClient client = TestClient.connectWithToken(node.httpUrl(), wsBase() + "/sockjs/websocket", alice,
        token)) {
      assertThat(client.ready().getString("userId")).isEqualTo(alice);
      String conversation = client.createDirect(bob);
      JsonObject ack = client.sendAndAwaitAck(conversation, "over raw sockjs");
      assertThat(ack.getString("messageId")).isNotBlank();
    }
  }

  @Test
  void raw_websocket_with_a_bad_token_is_refused_with_401() {
    assertThat(TestClient.upgradeStatus(wsBase() + "/sockjs/websocket?token=not-a-token", Map.of())).isEqualTo(401);
    assertThat(TestClient.upgradeStatus(wsBase() + "/sockjs/websocket", Map.of())).isEqualTo(401);
  }

  @Test
  void session_websocket_transport_with_a_valid_token_gets_ready_and_can_send() throws Exception {
    String carol = TestClient.uniqueUser("carol");
    String dave = TestClient.uniqueUser("dave");
    String token = TestClient.devToken(node.httpUrl(), carol).token();
    String conversation = TestClient.httpOnly(node.httpUrl(), carol).createDirect(dave);
    SockJsFrames frames = new SockJsFrames();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .buildAsync(URI.create(wsBase() + "/sockjs/000/" + carol.substring(6) + "/websocket?token="
            + URLEncoder.encode(token, StandardCharsets.UTF_8)), frames).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    try {
      assertThat(frames.next(WAIT)).as("SockJS open frame").isEqualTo("o");
      JsonObject ready = frames.awaitMessage(f -> "ready".equals(f.getString("type")));
      assertThat(ready.getString("userId")).isEqualTo(carol);
      // A SockJS client frame is a JSON array of strings, each one of our frames.
      JsonObject send = TestClient.sendFrame(conversation, TestClient.newClientMsgId(), "over sockjs websocket");
      ws.sendText(new JsonArray().add(send.encode()).encode(), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      JsonObject ack = frames.awaitMessage(f -> "ack".equals(f.getString("type")));
      assertThat(ack.getString("clientMsgId")).isEqualTo(send.getString("clientMsgId"));
    } finally {
      ws.abort();
    }
  }

  @Test
  void session_websocket_transport_with_a_bad_token_is_refused_with_401() {
    assertThat(TestClient.upgradeStatus(wsBase() + "/sockjs/000/badtoken/websocket?token=nope", Map.of()))
        .isEqualTo(401);
  }

  /**
   * The xhr transports next to the WebSocket ones: the token check pauses the request and the BodyHandler only runs
   * on POSTs, so an xhr_send body must still arrive whole.
   */
  @Test
  void xhr_transport_still_sends_and_receives() throws Exception {
    String erin = TestClient.uniqueUser("erin");
    String token = TestClient.devToken(node.httpUrl(), erin).token();
    String conversation = TestClient.httpOnly(node.httpUrl(), erin).createDirect(TestClient.uniqueUser("frank"));
    String session = node.httpUrl() + "/sockjs/000/" + erin.substring(5);
    String query = "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> streaming = http.sendAsync(HttpRequest.newBuilder(URI.create(session
            + "/xhr_streaming" + query)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofInputStream()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    try (InputStream body = streaming.body()) {
      assertThat(streaming.statusCode()).isEqualTo(200);
      BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      readUntil(lines, "ready");
      JsonObject send = TestClient.sendFrame(conversation, TestClient.newClientMsgId(), "over xhr");
      HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create(session + "/xhr_send" + query))
          .POST(HttpRequest.BodyPublishers.ofString(new JsonArray().add(send.encode()).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(sent.statusCode()).as("xhr_send: " + sent.body()).isEqualTo(204);
      assertThat(readUntil(lines, "\\\"ack\\\"")).contains(send.getString("clientMsgId"));
    }
  }

  /** Reads the stream up to the first line containing {@code text}; fails after WAIT (a blocking read has no timeout). */
  private static String readUntil(BufferedReader lines, String text) throws Exception {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        do {
          line = lines.readLine();
          assertThat(line).as("a line containing " + text).isNotNull();
        } while (!line.contains(text));
        return line;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** SockJS frames from the server, in order: "o", "h", "a[...]" (messages), "c[...]" (close). */
  private static final class SockJsFrames implements WebSocket.Listener {
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final List<String> seen = new ArrayList<>();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        queue.add(text.toString());
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    String next(Duration timeout) throws InterruptedException {
      String frame = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(frame).as("a SockJS frame within " + timeout + "; seen " + seen).isNotNull();
      seen.add(frame);
      return frame;
    }

    /** The first of our frames, inside "a[...]" frames, that matches; fails after WAIT with what was seen. */
    JsonObject awaitMessage(Predicate<JsonObject> match) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        assertThat(left).as("a matching frame; seen " + seen).isPositive();
        String frame = next(Duration.ofNanos(left));
        if (frame.startsWith("a")) {
          for (Object message : new JsonArray(frame.substring(1))) {
            JsonObject f = new JsonObject((String) message);
            if (match.test(f)) {
              return f;
            }
          }
        }
      }
    }
  }
}
