package io.lattice.notification;

import io.lattice.store.PushSender;
import io.lattice.store.PushSender.PushNotification;
import io.lattice.store.PushSenderContract;
import io.lattice.store.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * FcmPushSender against a local server that plays both Google's OAuth2 token endpoint (it verifies the RS256 JWT
 * against the service account's public key and issues random access tokens) and FCM's v1 send endpoint (it accepts
 * only a bearer token it issued and checks the message's shape), answering per registration token what FCM would:
 * the {@link PushSenderContract}, and what only FCM does (the OAuth2 exchange and its cache, FCM's error codes).
 */
class FcmPushSenderTest extends PushSenderContract {

  private static final String PROJECT = "lattice-test";
  private static final PushNotification NOTIFICATION =
      new PushNotification("bob", "d-1", "m-1", "alice", "hello " + "x".repeat(400));

  private Vertx vertx;
  private int port;
  private KeyPair serviceKey;
  private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final List<String> tokenFailures = new CopyOnWriteArrayList<>();
  private final List<JsonObject> delivered = new CopyOnWriteArrayList<>();
  private final InMemoryPushDevices<String> devices = new InMemoryPushDevices<>();
  private volatile boolean revokeNextToken;

  @BeforeEach
  void start() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    serviceKey = generator.generateKeyPair();
    vertx = TestVertx.create();
    port = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      if (request.path().equals("/token")) {
        token(request, body.toString());
      } else if (request.path().equals("/v1/projects/" + PROJECT + "/messages:send")) {
        send(request, body.toJsonObject());
      } else {
        request.response().setStatusCode(404).end();
      }
    })).listen(0, "127.0.0.1")).actualPort();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  // ---- the fake Google endpoints -------------------------------------------------------------------------------

  private void token(HttpServerRequest request, String form) {
    tokenRequests.incrementAndGet();
    Map<String, String> params = new HashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    String problem = checkAssertion(params);
    if (problem != null) {
      tokenFailures.add(problem);
      request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "invalid_grant").put("error_description", problem).encode());
      return;
    }
    String token = "ya29." + UUID.randomUUID();
    issuedTokens.add(token);
    request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
        .put("access_token", token).put("expires_in", 3599).put("token_type", "Bearer").encode());
  }

  /** What Google checks of the assertion; null when it passes. */
  private String checkAssertion(Map<String, String> params) {
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(params.get("grant_type"))) {
      return "bad grant_type";
    }
    String[] parts = params.getOrDefault("assertion", "").split("\\.");
    if (parts.length != 3) {
      return "not a JWT";
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      if (!"RS256".equals(header.getString("alg")) || !"key-1".equals(header.getString("kid"))) {
        return "bad header " + header;
      }
      if (!verify("SHA256withRSA", serviceKey.getPublic(), parts[0] + "." + parts[1], parts[2])) {
        return "bad signature";
      }
      long now = System.currentTimeMillis() / 1000;
      if (!"fcm@lattice-test.iam.gserviceaccount.com".equals(claims.getString("iss"))
          || !(base() + "/token").equals(claims.getString("aud"))
          || !FcmPushSender.SCOPE.equals(claims.getString("scope"))
          || claims.getLong("exp") - claims.getLong("iat") > 3600 || claims.getLong("exp") < now
          || claims.getLong("iat") > now + 60) {
        return "bad claims " + claims;
      }
      return null;
    } catch (Exception e) {
      return "unreadable: " + e;
    }
  }

  private static boolean verify(String algorithm, PublicKey key, String signed, String signatureB64)
      throws Exception {
    Signature signature = Signature.getInstance(algorithm);
    signature.initVerify(key);
    signature.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signature.verify(Base64.getUrlDecoder().decode(signatureB64));
  }

  private void send(HttpServerRequest request, JsonObject body) {
    String auth = request.getHeader("Authorization");
    String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
    if (!issuedTokens.contains(bearer)) {
      error(request, 401, "UNAUTHENTICATED", null);
      return;
    }
    if (revokeNextToken) {
      revokeNextToken = false;
      issuedTokens.remove(bearer);
      error(request, 401, "UNAUTHENTICATED", null);
      return;
    }
    JsonObject message = body.getJsonObject("message");
    if (message == null || message.getString("token") == null || message.getJsonObject("notification") == null
        || message.getJsonObject("data").stream().anyMatch(e -> !(e.getValue() instanceof String))) {
      error(request, 400, "INVALID_ARGUMENT", null);
      return;
    }
    String token = message.getString("token");
    switch (nextAnswer(token, attempt -> byPrefix(token, attempt))) {
      case GONE -> error(request, 404, "NOT_FOUND", "UNREGISTERED");
      case TOO_MANY_REQUESTS -> {
        request.response().putHeader("Retry-After", "0");
        error(request, 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED");
      }
      case UNAVAILABLE -> error(request, 503, "UNAVAILABLE", "UNAVAILABLE");
      case REFUSED -> error(request, 403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH");
      case OK -> {
        delivered.add(message);
        request.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("name", "projects/" + PROJECT + "/messages/" + UUID.randomUUID()).encode());
      }
    }
  }

  /** The answers of the tests below, by the token's name. */
  private static Answer byPrefix(String token, int attempt) {
    if (token.startsWith("dead")) {
      return Answer.GONE;
    } else if (token.startsWith("busy") && attempt <= 2) {
      return Answer.TOO_MANY_REQUESTS;
    } else if (token.startsWith("broken")) {
      return Answer.UNAVAILABLE;
    } else if (token.startsWith("forbidden")) {
      return Answer.REFUSED;
    }
    return Answer.OK;
  }

  private static void error(HttpServerRequest request, int status, String grpcStatus, String fcmCode) {
    JsonObject error = new JsonObject().put("code", status).put("status", grpcStatus).put("message", "test");
    if (fcmCode != null) {
      error.put("details", new JsonArray().add(new JsonObject()
          .put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError").put("errorCode", fcmCode)));
    }
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error).encode());
  }

  // ---- the tests -----------------------------------------------------------------------------------------------

  private FcmPushSender sender(KeyPair key, int maxAttempts) {
    return sender(key, maxAttempts, null);
  }

  private FcmPushSender sender(KeyPair key, int maxAttempts, String projectId) {
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getPrivate()
        .getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    JsonObject account = new JsonObject().put("type", "service_account").put("project_id", PROJECT)
        .put("private_key_id", "key-1").put("private_key", pem)
        .put("client_email", "fcm@lattice-test.iam.gserviceaccount.com").put("token_uri", base() + "/token");
    return new FcmPushSender(vertx, devices, account, base(), null, projectId, maxAttempts, Duration.ofMillis(5),
        Duration.ofMillis(40), Duration.ofSeconds(5), Clock.systemUTC());
  }

  // ---- the contract's hooks -----------------------------------------------------------------------------------

  @Override
  protected PushSender createSender(int maxAttempts) {
    return sender(serviceKey, maxAttempts);
  }

  @Override
  protected Vertx vertx() {
    return vertx;
  }

  @Override
  protected void register(String userId, String device) {
    await(devices.add(userId, device));
  }

  @Override
  protected List<String> devicesOf(String userId) {
    return await(devices.devicesOf(userId));
  }

  @Override
  protected List<JsonObject> delivered() {
    return delivered.stream().map(m -> new JsonObject().put("device", m.getString("token"))
        .put("conversationId", m.getJsonObject("data").getString("conversationId"))
        .put("messageId", m.getJsonObject("data").getString("messageId"))
        .put("senderId", m.getJsonObject("data").getString("senderId"))
        .put("preview", m.getJsonObject("notification").getString("body"))).toList();
  }

  @Test
  void sendsTheV1MessageWithABearerTokenFromTheServiceAccountAndCachesTheToken() throws Exception {
    devices.add("bob", "phone-1");
    devices.add("bob", "tablet-1");
    FcmPushSender sender = sender(serviceKey, 3);
    await(sender.send(NOTIFICATION)); // on the caller's context: see the contract
    await(sender.send(NOTIFICATION));

    assertThat(tokenFailures).isEmpty();
    assertThat(tokenRequests.get()).isEqualTo(1); // one exchange for four sends
    assertThat(delivered).hasSize(4);
    assertThat(delivered).extracting(m -> m.getString("token")).containsOnly("phone-1", "tablet-1");
    JsonObject message = delivered.get(0);
    assertThat(message.getJsonObject("data").getMap()).containsEntry("conversationId", "d-1")
        .containsEntry("messageId", "m-1").containsEntry("senderId", "alice").containsEntry("userId", "bob");
    assertThat(message.getJsonObject("notification").getString("body")).startsWith("hello x").hasSizeLessThan(300);
  }

  @Test
  void aWrongServiceAccountKeyIsRefusedAtTheTokenEndpoint() throws Exception {
    devices.add("bob", "phone-1");
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    Throwable failure = awaitFailure(sender(generator.generateKeyPair(), 2).send(NOTIFICATION));
    assertThat(failure).hasMessageContaining("400");
    assertThat(tokenFailures).contains("bad signature");
    assertThat(delivered).isEmpty();
  }

  @Test
  void tooManyRequestsIsRetriedWithBackoff() {
    devices.add("bob", "busy-1");
    await(sender(serviceKey, 5).send(NOTIFICATION));
    assertThat(attempts("busy-1")).isEqualTo(3);
    assertThat(delivered).hasSize(1);
    assertThat(await(devices.devicesOf("bob"))).containsExactly("busy-1");
  }

  @Test
  void givesUpAfterMaxAttemptsAndFailsOnAFinalRefusal() {
    devices.add("bob", "broken-1");
    Throwable failure = awaitFailure(sender(serviceKey, 3).send(NOTIFICATION));
    assertThat(failure).isInstanceOf(DevicePushSender.PushRefused.class).hasMessageContaining("503");
    assertThat(attempts("broken-1")).isEqualTo(3);

    InMemoryPushDevices<String> other = devices;
    other.remove("bob", "broken-1");
    other.add("bob", "forbidden-1");
    Throwable refused = awaitFailure(sender(serviceKey, 3).send(NOTIFICATION));
    assertThat(((DevicePushSender.PushRefused) refused).status()).isEqualTo(403);
    assertThat(attempts("forbidden-1")).isEqualTo(1);
    assertThat(await(devices.devicesOf("bob"))).containsExactly("forbidden-1"); // not dropped: not its fault
  }

  @Test
  void aNotFoundThatIsNotAboutTheTokenKeepsTheToken() {
    devices.add("bob", "phone-1");
    Throwable failure = awaitFailure(sender(serviceKey, 3, "wrong-project").send(NOTIFICATION));
    assertThat(((DevicePushSender.PushRefused) failure).status()).isEqualTo(404);
    assertThat(await(devices.devicesOf("bob"))).containsExactly("phone-1");
  }

  @Test
  void aRevokedAccessTokenIsReplaced() {
    devices.add("bob", "phone-1");
    FcmPushSender sender = sender(serviceKey, 3);
    await(sender.send(NOTIFICATION));
    revokeNextToken = true;
    await(sender.send(NOTIFICATION));
    assertThat(tokenRequests.get()).isEqualTo(2);
    assertThat(delivered).hasSize(2);
  }

  @Test
  void aUserWithoutDevicesIsNothingToDo() {
    await(sender(serviceKey, 3).send(NOTIFICATION));
    assertThat(tokenRequests.get()).isZero();
  }
}
