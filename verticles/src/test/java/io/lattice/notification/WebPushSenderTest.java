package io.lattice.notification;

import io.lattice.store.PushSender;
import io.lattice.store.PushSender.PushNotification;
import io.lattice.store.PushSenderContract;
import io.lattice.store.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WebPushSender against a local server that does what a push service and the browser behind it do: it checks the
 * VAPID JWT (ES256 signature against the key in {@code k=}, that key being the one the subscription was made with,
 * {@code aud} the service's origin, {@code exp} within 24 h) and decrypts the aes128gcm body with the user agent's
 * private key and auth secret, which the test holds. The {@link PushSenderContract}, and what only Web Push does
 * (VAPID, the encryption, its headers).
 */
class WebPushSenderTest extends PushSenderContract {

  private static final PushNotification NOTIFICATION =
      new PushNotification("bob", "d-1", "m-1", "alice", "see you at 8 " + "z".repeat(300));

  /** What a browser holds for one subscription. */
  record UserAgent(String id, KeyPair keys, byte[] auth, WebPushSubscription subscription) {
  }

  /** One request the push service accepted, decrypted. */
  record Received(String subscriptionId, JsonObject plaintext, Map<String, String> headers) {
  }

  private Vertx vertx;
  private int port;
  private KeyPair vapid;
  private final InMemoryPushDevices<WebPushSubscription> devices = new InMemoryPushDevices<>();
  private final Map<String, UserAgent> agents = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> refusals = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vapid = p256();
    vertx = TestVertx.create();
    port = await(vertx.createHttpServer().requestHandler(request -> request.body()
        .onSuccess(body -> pushService(request, body))).listen(0, "127.0.0.1")).actualPort();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private static KeyPair p256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static byte[] unb64(String s) {
    return Base64.getUrlDecoder().decode(s);
  }

  private UserAgent subscribe(String user, String id) throws Exception {
    KeyPair keys = p256();
    byte[] auth = new byte[16];
    new java.security.SecureRandom().nextBytes(auth);
    WebPushSubscription subscription = new WebPushSubscription("http://127.0.0.1:" + port + "/push/" + id,
        b64(WebPushCrypto.encodePoint((ECPublicKey) keys.getPublic())), b64(auth));
    UserAgent agent = new UserAgent(id, keys, auth, subscription);
    agents.put(id, agent);
    devices.add(user, subscription);
    return agent;
  }

  private WebPushSender sender(KeyPair vapidKeys, int maxAttempts) {
    byte[] d = ((ECPrivateKey) vapidKeys.getPrivate()).getS().toByteArray();
    byte[] scalar = new byte[32];
    int len = Math.min(32, d.length);
    System.arraycopy(d, d.length - len, scalar, 32 - len, len);
    return new WebPushSender(vertx, devices, b64(WebPushCrypto.encodePoint((ECPublicKey) vapidKeys.getPublic())),
        b64(scalar), "mailto:ops@lattice.test", Duration.ofSeconds(60), "high", maxAttempts, Duration.ofMillis(5),
        Duration.ofMillis(40), Duration.ofSeconds(5), Clock.systemUTC());
  }

  // ---- the contract's hooks -----------------------------------------------------------------------------------

  @Override
  protected PushSender createSender(int maxAttempts) {
    return sender(vapid, maxAttempts);
  }

  @Override
  protected Vertx vertx() {
    return vertx;
  }

  @Override
  protected void register(String userId, String device) {
    try {
      subscribe(userId, device);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected List<String> devicesOf(String userId) {
    String prefix = "http://127.0.0.1:" + port + "/push/";
    return await(devices.devicesOf(userId)).stream().map(s -> s.endpoint().substring(prefix.length())).toList();
  }

  @Override
  protected List<JsonObject> delivered() {
    return received.stream().map(r -> r.plaintext().copy().put("device", r.subscriptionId())).toList();
  }

  // ---- the push service and the browser ------------------------------------------------------------------------

  private void pushService(HttpServerRequest request, Buffer body) {
    String id = request.path().substring("/push/".length());
    Answer answer = nextAnswer(id, attempt -> id.startsWith("busy") && attempt == 1 ? Answer.TOO_MANY_REQUESTS
        : Answer.OK);
    UserAgent agent = agents.get(id);
    if (agent == null || id.startsWith("gone")) {
      request.response().setStatusCode(410).end("push subscription has unsubscribed or expired");
      return;
    }
    String problem = checkVapid(request.getHeader("Authorization"));
    if (problem != null) {
      refusals.add(problem);
      request.response().setStatusCode(403).end(problem);
      return;
    }
    if (!"aes128gcm".equals(request.getHeader("Content-Encoding")) || request.getHeader("TTL") == null) {
      refusals.add("headers");
      request.response().setStatusCode(400).end();
      return;
    }
    switch (answer) {
      case TOO_MANY_REQUESTS -> {
        request.response().setStatusCode(429).putHeader("Retry-After", "0").end();
        return;
      }
      case UNAVAILABLE -> {
        request.response().setStatusCode(503).end();
        return;
      }
      case REFUSED -> {
        request.response().setStatusCode(400).end("bad request");
        return;
      }
      case GONE -> {
        request.response().setStatusCode(410).end("push subscription has unsubscribed or expired");
        return;
      }
      case OK -> {
        // decrypted below
      }
    }
    try {
      byte[] plaintext = decrypt(body.getBytes(), agent);
      Map<String, String> headers = new ConcurrentHashMap<>();
      request.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
      received.add(new Received(id, new JsonObject(new String(plaintext, StandardCharsets.UTF_8)), headers));
      request.response().setStatusCode(201).putHeader("Location", "/message/" + attempts(id)).end();
    } catch (Exception e) {
      refusals.add("undecryptable: " + e);
      request.response().setStatusCode(400).end();
    }
  }

  /** RFC 8292: what a push service checks of {@code Authorization: vapid t=..., k=...}; null when it passes. */
  private String checkVapid(String authorization) {
    try {
      if (authorization == null || !authorization.startsWith("vapid ")) {
        return "no vapid";
      }
      String t = null;
      String k = null;
      for (String part : authorization.substring(6).split(",")) {
        String p = part.trim();
        if (p.startsWith("t=")) {
          t = p.substring(2);
        } else if (p.startsWith("k=")) {
          k = p.substring(2);
        }
      }
      byte[] key = unb64(k);
      // The key must be the applicationServerKey the subscription was created with.
      if (!Arrays.equals(key, WebPushCrypto.encodePoint((ECPublicKey) vapid.getPublic()))) {
        return "k is not the subscription's application server key";
      }
      String[] jwt = t.split("\\.");
      JsonObject header = new JsonObject(new String(unb64(jwt[0]), StandardCharsets.UTF_8));
      JsonObject claims = new JsonObject(new String(unb64(jwt[1]), StandardCharsets.UTF_8));
      Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
      es256.initVerify(WebPushCrypto.decodePoint(key));
      es256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
      if (!"ES256".equals(header.getString("alg")) || !es256.verify(unb64(jwt[2]))) {
        return "bad signature";
      }
      long now = System.currentTimeMillis() / 1000;
      if (!("http://127.0.0.1:" + port).equals(claims.getString("aud"))) {
        return "bad aud " + claims.getString("aud");
      }
      long exp = claims.getLong("exp");
      if (exp <= now || exp > now + 24 * 3600) {
        return "bad exp";
      }
      if (claims.getString("sub") == null) {
        return "no sub";
      }
      return null;
    } catch (Exception e) {
      return "unreadable vapid: " + e;
    }
  }

  /** The browser's side of RFC 8291/8188, written here from the RFCs rather than shared with the sender. */
  static byte[] decrypt(byte[] body, UserAgent agent) throws Exception {
    return decrypt(body, agent.keys().getPrivate(), unb64(agent.subscription().p256dh()), agent.auth());
  }

  static byte[] decrypt(byte[] body, PrivateKey uaPrivate, byte[] uaPublic, byte[] auth) throws Exception {
    ByteBuffer in = ByteBuffer.wrap(body);
    byte[] salt = new byte[16];
    in.get(salt);
    int rs = in.getInt();
    byte[] keyId = new byte[in.get() & 0xff];
    in.get(keyId);
    byte[] ciphertext = new byte[in.remaining()];
    in.get(ciphertext);
    assertThat(rs).isGreaterThanOrEqualTo(ciphertext.length);

    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
    ecdh.init(uaPrivate);
    ecdh.doPhase(WebPushCrypto.decodePoint(keyId), true);
    byte[] shared = ecdh.generateSecret();
    byte[] info = ByteBuffer.allocate(14 + 65 + 65).put("WebPush: info\0".getBytes(StandardCharsets.US_ASCII))
        .put(uaPublic).put(keyId).array();
    byte[] ikm = expand(extract(auth, shared), info, 32);
    byte[] prk = extract(salt, ikm);
    byte[] cek = expand(prk, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
    byte[] nonce = expand(prk, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);
    Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
    aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
    byte[] padded = aes.doFinal(ciphertext);
    int end = padded.length - 1;
    while (end >= 0 && padded[end] == 0) {
      end--;
    }
    assertThat(padded[end]).as("last-record delimiter").isEqualTo((byte) 2);
    return Arrays.copyOf(padded, end);
  }

  private static byte[] extract(byte[] salt, byte[] ikm) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    return mac.doFinal(ikm);
  }

  private static byte[] expand(byte[] prk, byte[] info, int length) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(info);
    mac.update((byte) 1);
    return Arrays.copyOf(mac.doFinal(), length);
  }

  // ---- the tests -----------------------------------------------------------------------------------------------

  @Test
  void eachSubscriptionGetsThePayloadEncryptedForItWithVapidTtlAndUrgency() throws Exception {
    subscribe("bob", "laptop");
    subscribe("bob", "phone");
    await(sender(vapid, 3).send(NOTIFICATION));

    assertThat(refusals).isEmpty();
    assertThat(received).extracting(Received::subscriptionId).containsExactlyInAnyOrder("laptop", "phone");
    for (Received r : received) {
      assertThat(r.plaintext().getString("type")).isEqualTo("message");
      assertThat(r.plaintext().getString("conversationId")).isEqualTo("d-1");
      assertThat(r.plaintext().getString("messageId")).isEqualTo("m-1");
      assertThat(r.plaintext().getString("senderId")).isEqualTo("alice");
      assertThat(r.plaintext().getString("preview")).startsWith("see you at 8 zz").hasSizeLessThan(300);
      assertThat(r.headers()).containsEntry("ttl", "60").containsEntry("urgency", "high")
          .containsEntry("content-type", "application/octet-stream").containsEntry("topic", "d-1");
    }
  }

  @Test
  void anotherApplicationServerKeyIsRefusedAndNotRetried() throws Exception {
    subscribe("bob", "laptop");
    Throwable failure = awaitFailure(sender(p256(), 3).send(NOTIFICATION));
    assertThat(((DevicePushSender.PushRefused) failure).status()).isEqualTo(403);
    assertThat(refusals).containsExactly("k is not the subscription's application server key");
    assertThat(attempts("laptop")).isEqualTo(1);
    assertThat(await(devices.devicesOf("bob"))).hasSize(1); // the subscription is fine, the key is not
  }

  @Test
  void reproducesTheRfc8291TestVector() throws Exception {
    // RFC 8291, Appendix A: fixed keys and salt, and the exact message they give.
    byte[] uaPublic = unb64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
    byte[] auth = unb64("BTBZMqHH6r4Tts7J_aSIgg");
    KeyPair as = new KeyPair(WebPushCrypto.decodePoint(unb64(
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")),
        WebPushCrypto.privateKey(unb64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")));
    byte[] plaintext = "When I grow up, I want to be a watermelon".getBytes(StandardCharsets.UTF_8);
    byte[] body = WebPushCrypto.encrypt(plaintext, uaPublic, auth, as, unb64("DGv6ra1nlYgDCS1FRnbzlw"));
    assertThat(b64(body)).isEqualTo("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3"
        + "vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Q"
        + "ulcy4a-fN");

    PrivateKey uaPrivate = WebPushCrypto.privateKey(unb64("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"));
    assertThat(decrypt(body, uaPrivate, uaPublic, auth)).isEqualTo(plaintext);
    // The test's decryption can fail: one flipped ciphertext bit breaks the GCM tag.
    body[body.length - 20] ^= 1;
    assertThatThrownBy(() -> decrypt(body, uaPrivate, uaPublic, auth)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void topicsAreWhatRfc8030Allows() {
    assertThat(WebPushSender.topic("d-1")).isEqualTo("d-1");
    assertThat(WebPushSender.topic("group:with spaces and a long name, too long")).hasSize(32)
        .matches("[A-Za-z0-9_-]+");
  }
}
