package io.lattice.notification;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * A {@link io.lattice.store.PushSender} through the Web Push protocol (RFC 8030) to browsers' push services, one
 * {@code POST} to each subscription's endpoint of the user.
 *
 * <p>The body is the notification as JSON ({@code type, conversationId, messageId, senderId, preview}) encrypted for
 * the subscription (RFC 8291, {@code Content-Encoding: aes128gcm}); the request carries {@code TTL} (how long the
 * push service may hold it for an offline browser), {@code Urgency}, a {@code Topic} (the conversation, so a newer
 * notification replaces an undelivered older one) and VAPID authentication (RFC 8292: {@code Authorization: vapid
 * t=<ES256 JWT, aud = the endpoint's origin, exp 12 h, sub>, k=<application server public key>}).
 *
 * <p>Answers: 2xx (201) delivered; 404 and 410 mean the subscription is gone: it is removed from
 * {@link PushDevices}; 429, 5xx and connection errors are retried with backoff, honouring {@code Retry-After};
 * anything else (400, 401/403 a VAPID problem, 413 too large) is final.
 *
 * <p>Conf (see {@link #fromConfig}):
 * <pre>{@code
 * {"notification": {"sender": "webpush",
 *   "webpush": {"vapidPublicKey": "B...(base64url, 65-byte point)", "vapidPrivateKey": null,
 *               "subject": "mailto:ops@example.com", "ttlSeconds": 86400, "urgency": "high",
 *               "maxAttempts": 5, "backoffMs": 200, "maxBackoffMs": 30000, "timeoutMs": 10000}}}
 * }</pre>
 * The VAPID private key (base64url of the 32-byte P-256 scalar) comes from {@code LATTICE_VAPID_PRIVATE_KEY} when
 * {@code vapidPrivateKey} is null; never commit it. The public key is what the web client passes to
 * {@code pushManager.subscribe({applicationServerKey})}.
 */
public final class WebPushSender extends DevicePushSender<WebPushSubscription> {

  static final int MAX_PREVIEW_CHARS = 200;
  private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");
  private static final long VAPID_VALIDITY_SECONDS = 12 * 3600;

  private final WebClient client;
  private final PrivateKey vapidPrivate;
  private final byte[] vapidPublic;
  private final String subject;
  private final long ttlSeconds;
  private final String urgency;
  private final long timeoutMs;
  private final Clock clock;

  /**
   * @param vapidPublicKey base64url, the uncompressed P-256 point (65 bytes)
   * @param vapidPrivateKey base64url, the 32-byte scalar
   * @param subject a {@code mailto:} or {@code https:} contact for the push services
   */
  public WebPushSender(Vertx vertx, PushDevices<WebPushSubscription> devices, String vapidPublicKey,
                       String vapidPrivateKey, String subject, Duration ttl, String urgency, int maxAttempts,
                       Duration baseBackoff, Duration maxBackoff, Duration requestTimeout, Clock clock) {
    super(vertx, devices, maxAttempts, new Backoff(baseBackoff.toMillis(), maxBackoff.toMillis()));
    if (vapidPublicKey == null || vapidPrivateKey == null) {
      throw new IllegalArgumentException("Web Push needs a VAPID key pair (notification.webpush.vapidPublicKey, "
          + "LATTICE_VAPID_PRIVATE_KEY)");
    }
    if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https:"))) {
      throw new IllegalArgumentException("the VAPID subject must be a mailto: or https: URI: " + subject);
    }
    String u = urgency == null ? "normal" : urgency.toLowerCase(Locale.ROOT);
    if (!URGENCIES.contains(u)) {
      throw new IllegalArgumentException("urgency must be one of " + URGENCIES);
    }
    try {
      this.vapidPublic = WebPushCrypto.unb64(vapidPublicKey);
      WebPushCrypto.decodePoint(vapidPublic);
      this.vapidPrivate = WebPushCrypto.privateKey(WebPushCrypto.unb64(vapidPrivateKey));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid VAPID key: " + e.getMessage(), e);
    }
    this.subject = subject;
    this.ttlSeconds = Math.max(0, ttl.toSeconds());
    this.urgency = u;
    this.timeoutMs = requestTimeout.toMillis();
    this.clock = clock;
    this.client = WebClient.create(vertx);
  }

  /** From the {@code notification.webpush} conf block (see the class comment). */
  public static WebPushSender fromConfig(Vertx vertx, JsonObject webpush,
                                         PushDevices<WebPushSubscription> devices) {
    return new WebPushSender(vertx, devices, webpush.getString("vapidPublicKey"),
        webpush.getString("vapidPrivateKey", System.getenv("LATTICE_VAPID_PRIVATE_KEY")),
        webpush.getString("subject"), Duration.ofSeconds(webpush.getLong("ttlSeconds", 86_400L)),
        webpush.getString("urgency", "high"), webpush.getInteger("maxAttempts", 5),
        Duration.ofMillis(webpush.getLong("backoffMs", 200L)),
        Duration.ofMillis(webpush.getLong("maxBackoffMs", 30_000L)),
        Duration.ofMillis(webpush.getLong("timeoutMs", 10_000L)), Clock.systemUTC());
  }

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  Future<Outcome> attempt(WebPushSubscription subscription, PushNotification n) {
    byte[] body;
    String authorization;
    try {
      URI endpoint = URI.create(subscription.endpoint());
      if (!"https".equals(endpoint.getScheme()) && !"http".equals(endpoint.getScheme())) {
        return Future.succeededFuture(new Failed(new IllegalArgumentException("not an http(s) endpoint")));
      }
      body = WebPushCrypto.encrypt(payload(n).getBytes(StandardCharsets.UTF_8),
          WebPushCrypto.unb64(subscription.p256dh()), WebPushCrypto.unb64(subscription.auth()));
      authorization = WebPushCrypto.vapidAuthorization(origin(endpoint),
          clock.millis() / 1000 + VAPID_VALIDITY_SECONDS, subject, vapidPrivate, vapidPublic);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // A subscription whose keys cannot be used will never work: drop it rather than fail every notification.
      return Future.succeededFuture(new Gone());
    }
    return client.postAbs(subscription.endpoint()).timeout(timeoutMs)
        .putHeader("Authorization", authorization)
        .putHeader("Content-Encoding", "aes128gcm")
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader("TTL", Long.toString(ttlSeconds))
        .putHeader("Urgency", urgency)
        .putHeader("Topic", topic(n.conversationId()))
        .sendBuffer(Buffer.buffer(body))
        .map(this::classify);
  }

  private Outcome classify(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status / 100 == 2) {
      return new Delivered();
    }
    if (status == 404 || status == 410) {
      return new Gone();
    }
    PushRefused refused = new PushRefused("the Web Push service", status, response.bodyAsString());
    if (status == 429 || status >= 500) {
      return new Retry(refused, response.getHeader("Retry-After"));
    }
    return new Failed(refused);
  }

  static String payload(PushNotification n) {
    return new JsonObject().put("type", "message").put("conversationId", n.conversationId())
        .put("messageId", n.messageId()).put("senderId", n.senderId())
        .put("preview", Backoff.truncate(n.preview(), MAX_PREVIEW_CHARS)).encode();
  }

  /** The JWT audience: scheme, host and any explicit port of the push service. */
  static String origin(URI endpoint) {
    return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":"
        + endpoint.getPort());
  }

  /** RFC 8030 section 5.4: at most 32 characters of the base64url alphabet. */
  static String topic(String conversationId) {
    String safe = conversationId == null ? "" : conversationId.replaceAll("[^A-Za-z0-9_-]", "");
    if (safe.isEmpty() || safe.length() > 32 || !safe.equals(conversationId)) {
      try {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
            .digest(String.valueOf(conversationId).getBytes(StandardCharsets.UTF_8));
        return WebPushCrypto.b64(java.util.Arrays.copyOf(digest, 24)); // 32 characters
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return safe;
  }
}
