package io.lattice.e2e;

import io.lattice.e2e.support.Jwt;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The WebSocket upgrade's authentication and the ready frame (docs/protocol.md, "Transport and auth", "On connect"). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthIT {
  private static final int HEARTBEAT = 25;
  private static RegionCluster region;

  @BeforeAll
  static void startRegion() {
    region = RegionCluster.builder().name("AuthIT").nodes(2).heartbeatSeconds(HEARTBEAT).start();
  }

  @AfterAll
  static void stopRegion() {
    if (region != null) {
      region.close();
    }
  }

  private static String withToken(int node, String token) {
    return region.wsUrl(node) + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
  }

  @Test
  void upgradeWithoutTokenIsRefusedWith401() {
    assertThat(TestClient.upgradeStatus(region.wsUrl(0), Map.of())).isEqualTo(401);
    assertThat(TestClient.upgradeStatus(region.wsUrl(1) + "?token=", Map.of())).isEqualTo(401);
  }

  @Test
  void upgradeWithBadTokenIsRefusedWith401() {
    String user = TestClient.uniqueUser("mallory");
    assertThat(TestClient.upgradeStatus(withToken(0, "not-a-jwt"), Map.of())).isEqualTo(401);
    // Well-formed, but signed with another secret.
    assertThat(TestClient.upgradeStatus(withToken(0, Jwt.valid("some-other-secret-0123456789abcdef", user)),
        Map.of())).isEqualTo(401);
    // A real token with its signature tampered with.
    String good = TestClient.devToken(region.httpUrl(0), user).token();
    String tampered = good.substring(0, good.length() - 4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertThat(TestClient.upgradeStatus(withToken(1, tampered), Map.of())).isEqualTo(401);
    // alg=none is never accepted.
    String header = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new JsonObject()
        .put("sub", user).put("exp", System.currentTimeMillis() / 1000 + 600).encode().getBytes(StandardCharsets.UTF_8));
    assertThat(TestClient.upgradeStatus(withToken(1, header + "." + payload + "."), Map.of())).isEqualTo(401);
    assertThat(TestClient.upgradeStatus(region.wsUrl(0), Map.of("Authorization", "Bearer not-a-jwt")))
        .isEqualTo(401);
  }

  @Test
  void upgradeWithExpiredTokenIsRefusedWith401() {
    String user = TestClient.uniqueUser("late");
    // Control: the same secret and claims, but not expired, is accepted (so the 401 below is about expiry).
    assertThat(TestClient.upgradeStatus(withToken(0, Jwt.valid(region.hs256Secret(), user)), Map.of()))
        .isEqualTo(101);
    assertThat(TestClient.upgradeStatus(withToken(0, Jwt.expired(region.hs256Secret(), user)), Map.of()))
        .isEqualTo(401);
    assertThat(TestClient.upgradeStatus(withToken(1, Jwt.expired(region.hs256Secret(), user)), Map.of()))
        .isEqualTo(401);
  }

  @Test
  void goodTokenGetsReadyFrameOnEveryNode() {
    String user = TestClient.uniqueUser("alice");
    for (int node = 0; node < region.size(); node++) {
      try (TestClient client = TestClient.connect(region, node, user)) {
        JsonObject ready = client.ready();
        assertThat(ready.getString("type")).isEqualTo("ready");
        assertThat(ready.getString("userId")).isEqualTo(user);
        assertThat(ready.getString("region")).isEqualTo(region.region());
        assertThat(ready.getString("node")).isEqualTo(region.nodeId(node));
        assertThat(ready.getValue("heartbeatSeconds")).isEqualTo(HEARTBEAT);
        assertThat(client.pingPong().getString("type")).isEqualTo("pong");
      }
    }
  }

  @Test
  void bearerHeaderAndSelfMintedTokensWork() {
    String user = TestClient.uniqueUser("bea");
    String token = Jwt.valid(region.hs256Secret(), user);
    try (TestClient client = TestClient.connectWithBearerHeader(region.httpUrl(1), region.wsUrl(1), user, token)) {
      assertThat(client.ready().getString("userId")).isEqualTo(user);
      assertThat(client.ready().getString("node")).isEqualTo(region.nodeId(1));
    }
  }

  @Test
  void devTokenAndRefresh() {
    String user = TestClient.uniqueUser("refresh");
    long before = System.currentTimeMillis();
    TestClient.Token token = TestClient.devToken(region.httpUrl(0), user);
    assertThat(token.token()).isNotBlank();
    assertThat(isFutureEpoch(token.expiresAt(), before)).as("expiresAt %s is in the future", token.expiresAt())
        .isTrue();

    TestClient.HttpResult refreshed = TestClient.http(region.httpUrl(1), "POST", "/api/token/refresh",
        token.token(), null);
    assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
    String newToken = refreshed.json().getString("token");
    assertThat(newToken).isNotBlank();
    assertThat(isFutureEpoch(refreshed.json().getLong("expiresAt"), before)).isTrue();
    try (TestClient client = TestClient.connectWithToken(region.httpUrl(1), region.wsUrl(1), user, newToken)) {
      assertThat(client.ready().getString("userId")).isEqualTo(user);
    }

    TestClient.HttpResult noToken = TestClient.http(region.httpUrl(0), "POST", "/api/token/refresh", null, null);
    assertThat(noToken.status()).isEqualTo(401);
    TestClient.HttpResult expired = TestClient.http(region.httpUrl(0), "POST", "/api/token/refresh",
        Jwt.expired(region.hs256Secret(), user), null);
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.json().getString("code")).isEqualTo("unauthorized");
  }

  /** The doc does not fix the unit of expiresAt: accept epoch milliseconds or epoch seconds in the future. */
  private static boolean isFutureEpoch(long value, long nowMillis) {
    return value > nowMillis || (value > nowMillis / 1000 && value < nowMillis / 100);
  }

  @Test
  void healthAndRegionsNeedNoAuth() {
    for (int node = 0; node < region.size(); node++) {
      TestClient.HttpResult health = TestClient.http(region.httpUrl(node), "GET", "/health", null, null);
      assertThat(health.status()).isEqualTo(200);
      assertThat(health.json().getString("status")).isEqualTo("ready");
      TestClient.HttpResult regions = TestClient.http(region.httpUrl(node), "GET", "/api/regions", null, null);
      assertThat(regions.status()).isEqualTo(200);
      JsonObject self = regions.json().getJsonObject("self");
      assertThat(self.getString("region")).isEqualTo(region.region());
      assertThat(self.getString("node")).isEqualTo(region.nodeId(node));
    }
  }
}
