package io.lattice.notification;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * A {@link io.lattice.store.PushSender} through Firebase Cloud Messaging's HTTP v1 API: one
 * {@code POST {endpoint}/v1/projects/{project}/messages:send} per registration token of the user.
 *
 * <p>Authentication is OAuth2 with a service account: a JWT ({@code iss} the account's email, {@code aud} the token
 * URI, {@code scope} firebase.messaging, one hour) signed RS256 with the account's private key is exchanged at the
 * token URI ({@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer}) for a bearer access token, cached until a
 * minute before it expires; concurrent sends share one exchange. A 401 drops the cached token and tries again.
 *
 * <p>Answers: 2xx delivered; {@code UNREGISTERED} (404), and a 400 {@code INVALID_ARGUMENT} naming the registration
 * token, drop the token from {@link PushDevices} (a 404 without that code, e.g. a wrong project, is final instead); 429, 5xx and connection errors are retried with backoff, honouring
 * {@code Retry-After}; other statuses are final.
 *
 * <p>Conf (the {@code notification} block; see {@link #fromConfig}):
 * <pre>{@code
 * {"notification": {"sender": "fcm",
 *   "fcm": {"serviceAccountFile": null, "projectId": null, "endpoint": "https://fcm.googleapis.com",
 *           "tokenUri": null, "maxAttempts": 5, "backoffMs": 200, "maxBackoffMs": 30000, "timeoutMs": 10000}}}
 * }</pre>
 * The service account JSON comes from {@code serviceAccountFile}, else the file named by the environment variable
 * {@code GOOGLE_APPLICATION_CREDENTIALS}, else the JSON itself in {@code LATTICE_FCM_SERVICE_ACCOUNT}; never commit it.
 * {@code projectId} and {@code tokenUri} default to the account's {@code project_id} and {@code token_uri}.
 */
public final class FcmPushSender extends DevicePushSender<String> {

  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
  static final int MAX_PREVIEW_CHARS = 200;
  private static final long TOKEN_MARGIN_MS = 60_000;

  private final WebClient client;
  private final String sendUrl;
  private final String tokenUri;
  private final String clientEmail;
  private final String keyId;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final long timeoutMs;

  private String accessToken;
  private long accessTokenExpiresAt;
  private Future<String> tokenInFlight;

  /**
   * @param serviceAccount the service account JSON ({@code client_email}, {@code private_key} PEM PKCS#8,
   *                       {@code private_key_id}, {@code project_id}, {@code token_uri})
   * @param endpoint the FCM base URL, {@code https://fcm.googleapis.com} in production
   * @param tokenUri null for the account's {@code token_uri}
   * @param projectId null for the account's {@code project_id}
   */
  public FcmPushSender(Vertx vertx, PushDevices<String> devices, JsonObject serviceAccount, String endpoint,
                       String tokenUri, String projectId, int maxAttempts, Duration baseBackoff, Duration maxBackoff,
                       Duration requestTimeout, Clock clock) {
    super(vertx, devices, maxAttempts, new Backoff(baseBackoff.toMillis(), maxBackoff.toMillis()));
    String project = projectId != null ? projectId : serviceAccount.getString("project_id");
    this.tokenUri = tokenUri != null ? tokenUri : serviceAccount.getString("token_uri");
    this.clientEmail = serviceAccount.getString("client_email");
    if (project == null || this.tokenUri == null || clientEmail == null) {
      throw new IllegalArgumentException("the FCM service account needs project_id, token_uri and client_email");
    }
    this.keyId = serviceAccount.getString("private_key_id");
    this.privateKey = parsePkcs8Pem(serviceAccount.getString("private_key"));
    this.sendUrl = endpoint.replaceAll("/+$", "") + "/v1/projects/" + project + "/messages:send";
    this.client = WebClient.create(vertx);
    this.clock = clock;
    this.timeoutMs = requestTimeout.toMillis();
  }

  /**
   * From the {@code notification.fcm} conf block (see the class comment). Reads the service account file: call it
   * at start, not on an event loop.
   */
  public static FcmPushSender fromConfig(Vertx vertx, JsonObject fcm, PushDevices<String> devices) {
    JsonObject account;
    try {
      String file = fcm.getString("serviceAccountFile", System.getenv("GOOGLE_APPLICATION_CREDENTIALS"));
      String inline = System.getenv("LATTICE_FCM_SERVICE_ACCOUNT");
      if (file != null) {
        account = new JsonObject(Files.readString(Path.of(file)));
      } else if (inline != null) {
        account = new JsonObject(inline);
      } else {
        throw new IllegalArgumentException("no FCM service account: set notification.fcm.serviceAccountFile, "
            + "GOOGLE_APPLICATION_CREDENTIALS or LATTICE_FCM_SERVICE_ACCOUNT");
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the FCM service account: " + e.getMessage(), e);
    }
    return new FcmPushSender(vertx, devices, account, fcm.getString("endpoint", "https://fcm.googleapis.com"),
        fcm.getString("tokenUri"), fcm.getString("projectId"), fcm.getInteger("maxAttempts", 5),
        Duration.ofMillis(fcm.getLong("backoffMs", 200L)), Duration.ofMillis(fcm.getLong("maxBackoffMs", 30_000L)),
        Duration.ofMillis(fcm.getLong("timeoutMs", 10_000L)), Clock.systemUTC());
  }

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  Future<Outcome> attempt(String token, PushNotification n) {
    return accessToken().compose(bearer -> client.postAbs(sendUrl).timeout(timeoutMs)
        .putHeader("Authorization", "Bearer " + bearer)
        .sendJsonObject(new JsonObject().put("message", message(token, n)))
        .map(response -> classify(bearer, response)));
  }

  /** The FCM v1 message: the token, a notification for the system tray, and the ids as data (all strings). */
  static JsonObject message(String token, PushNotification n) {
    JsonObject data = new JsonObject().put("type", "message").put("userId", n.userId())
        .put("conversationId", n.conversationId()).put("messageId", n.messageId()).put("senderId", n.senderId());
    return new JsonObject().put("token", token)
        .put("notification", new JsonObject().put("title", n.senderId())
            .put("body", Backoff.truncate(n.preview() == null ? "" : n.preview(), MAX_PREVIEW_CHARS)))
        .put("data", data)
        .put("android", new JsonObject().put("collapse_key", n.conversationId()));
  }

  private Outcome classify(String bearer, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status / 100 == 2) {
      return new Delivered();
    }
    String errorCode = fcmErrorCode(response);
    PushRefused refused = new PushRefused("FCM", status, errorCode);
    // Only what names the token as the problem: a 404 for a wrong project must not empty the device lists.
    if ("UNREGISTERED".equals(errorCode)
        || (status == 400 && "INVALID_ARGUMENT".equals(errorCode) && mentionsToken(response))) {
      return new Gone();
    }
    if (status == 401) {
      synchronized (this) {
        if (bearer.equals(accessToken)) {
          accessToken = null;
        }
      }
      return new Retry(refused, null);
    }
    if (status == 429 || status >= 500) {
      return new Retry(refused, response.getHeader("Retry-After"));
    }
    return new Failed(refused);
  }

  /** {@code error.details[].errorCode} of an FCM error, else {@code error.status}. */
  private static String fcmErrorCode(HttpResponse<Buffer> response) {
    try {
      JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
      JsonArray details = error.getJsonArray("details", new JsonArray());
      for (Object d : details) {
        if (d instanceof JsonObject detail && detail.getString("errorCode") != null) {
          return detail.getString("errorCode");
        }
      }
      return error.getString("status");
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static boolean mentionsToken(HttpResponse<Buffer> response) {
    String body = response.bodyAsString();
    return body != null && body.contains("registration token");
  }

  /** The cached access token, or one fetched (once, however many sends are waiting for it). */
  synchronized Future<String> accessToken() {
    if (accessToken != null && clock.millis() < accessTokenExpiresAt - TOKEN_MARGIN_MS) {
      return Future.succeededFuture(accessToken);
    }
    if (tokenInFlight == null) {
      Promise<String> promise = Promise.promise();
      tokenInFlight = promise.future();
      fetchToken().onComplete(ar -> {
        synchronized (this) {
          tokenInFlight = null;
        }
        promise.handle(ar);
      });
    }
    return tokenInFlight;
  }

  private Future<String> fetchToken() {
    String assertion;
    try {
      assertion = signedAssertion();
    } catch (GeneralSecurityException e) {
      return Future.failedFuture(e);
    }
    MultiMap form = MultiMap.caseInsensitiveMultiMap()
        .add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer").add("assertion", assertion);
    return client.postAbs(tokenUri).timeout(timeoutMs).sendForm(form).compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture(new PushRefused("the OAuth2 token URI", response.statusCode(),
            response.bodyAsString()));
      }
      JsonObject body = response.bodyAsJsonObject();
      String token = body.getString("access_token");
      if (token == null) {
        return Future.failedFuture(new PushRefused("the OAuth2 token URI", 200, "no access_token"));
      }
      synchronized (this) {
        accessToken = token;
        accessTokenExpiresAt = clock.millis() + body.getLong("expires_in", 3600L) * 1000;
      }
      return Future.succeededFuture(token);
    });
  }

  /** The RS256 JWT the token URI exchanges for an access token. */
  String signedAssertion() throws GeneralSecurityException {
    long now = clock.millis() / 1000;
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
    if (keyId != null) {
      header.put("kid", keyId);
    }
    JsonObject claims = new JsonObject().put("iss", clientEmail).put("scope", SCOPE).put("aud", tokenUri)
        .put("iat", now).put("exp", now + 3600);
    String signingInput = b64(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b64(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(privateKey);
    rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64(rsa.sign());
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static PrivateKey parsePkcs8Pem(String pem) {
    if (pem == null) {
      throw new IllegalArgumentException("the FCM service account has no private_key");
    }
    String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
        .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
          .decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the FCM private_key is not a PEM PKCS#8 RSA key", e);
    }
  }
}
