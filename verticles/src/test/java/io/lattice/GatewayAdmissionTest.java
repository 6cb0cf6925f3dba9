package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.store.TestVertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission control against reconnect storms, and the drain a SIGTERM starts (the gateway's stop). */
class GatewayAdmissionTest {
  private static InProcessNode node;

  @BeforeAll
  static void start() throws Exception {
    // Two new connections per second: a burst of upgrades meets the limit at once.
    node = InProcessNode.start(new JsonObject().put("gateway", new JsonObject().put("maxNewConnectionsPerSecond", 2)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void should_refuse_upgrades_over_the_admission_rate_with_503_and_keep_serving_existing_connections()
      throws Exception {
    TestClient existing = awaitAdmitted(TestClient.uniqueUser("existing"));
    String token = TestClient.devToken(node.httpUrl(), TestClient.uniqueUser("storm")).token();
    String uri = node.wsUrl() + "?token=" + token;
    int refused = 0;
    for (int i = 0; i < 6; i++) {
      if (TestClient.upgradeStatus(uri, Map.of()) == 503) {
        refused++;
      }
    }
    assertThat(refused).as("upgrades refused out of 6 in a burst at 2/s").isGreaterThanOrEqualTo(3);

    String response = "";
    for (int i = 0; i < 5 && !response.startsWith("HTTP/1.1 503"); i++) {
      response = rawUpgrade(token);
    }
    assertThat(response).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After:")
        .contains("\"code\":\"unavailable\"");
    assertThat(existing.pingPong().getString("type")).isEqualTo("pong");
    existing.close();
  }

  /** An upgrade request written by hand: the JDK's HTTP client will not send Connection/Upgrade headers. */
  private static String rawUpgrade(String token) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.port)) {
      socket.setSoTimeout(10_000);
      String request = "GET /ws?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      byte[] buffer = new byte[4096];
      int n = socket.getInputStream().read(buffer);
      return n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII);
    }
  }

  @Test
  void should_tell_clients_to_reconnect_elsewhere_when_draining() {
    TestClient client = awaitAdmitted(TestClient.uniqueUser("drained"));
    TestVertx.await(node.vertx.undeploy(node.gatewayDeployment));
    JsonObject reconnect = client.await(Frames.type("reconnect"));
    assertThat(reconnect.getString("reason")).isEqualTo("draining");
    assertThat(reconnect.getLong("afterMs")).isBetween(1L, 10_000L);
    TestClient.CloseInfo close = client.awaitClose(Duration.ofSeconds(15));
    assertThat(close.statusCode()).isEqualTo(1001);
  }

  /** The admission bucket may be empty after the other test: retry until a connection is admitted. */
  private static TestClient awaitAdmitted(String user) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        return TestClient.connect(node.httpUrl(), node.wsUrl(), user);
      } catch (AssertionError refused) {
        if (System.nanoTime() > deadline) {
          throw refused;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      }
    }
  }
}
