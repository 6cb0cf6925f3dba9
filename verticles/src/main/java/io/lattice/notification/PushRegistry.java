package io.lattice.notification;

import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * The devices users register for offline push ({@code POST/DELETE /api/push/devices}): FCM registration tokens and
 * Web Push subscriptions, region-wide ({@code backends.pushDevices}: hazelcast or redis). Validates what a client
 * sends before anything is stored.
 */
public record PushRegistry(PushDevices<String> fcm, PushDevices<WebPushSubscription> webPush) {
  private static final Pattern FCM_TOKEN = Pattern.compile("[A-Za-z0-9_:\\-.]{20,4096}");
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_\\-]+={0,2}");

  /**
   * {@code {"userId", "op": "add"|"remove", "fcmToken": "..."}} or {@code {..., "webPush": {"endpoint", "keys":
   * {"p256dh", "auth"}}}}; replies {@code {"registered": true|false}} (false: too many devices).
   */
  public Future<JsonObject> handle(JsonObject request) {
    String userId = request.getString("userId");
    boolean add = !"remove".equals(request.getString("op"));
    Object token = request.getValue("fcmToken");
    Object subscription = request.getValue("webPush");
    if (token != null) {
      if (!(token instanceof String t) || !FCM_TOKEN.matcher(t).matches()) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, "fcmToken is not an FCM registration token");
      }
      return add ? fcm.add(userId, t).map(PushRegistry::registered)
          : fcm.remove(userId, t).map(v -> registered(false));
    }
    if (subscription instanceof JsonObject json) {
      WebPushSubscription s = webPushSubscription(json);
      return add ? webPush.add(userId, s).map(PushRegistry::registered)
          : webPush.remove(userId, s).map(v -> registered(false));
    }
    throw new ProtocolException(ErrorCode.MISSING_FIELD, "fcmToken or webPush is required");
  }

  private static WebPushSubscription webPushSubscription(JsonObject json) {
    WebPushSubscription s;
    try {
      s = WebPushSubscription.fromJson(json);
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "webPush needs endpoint, keys.p256dh and keys.auth");
    }
    URI endpoint;
    try {
      endpoint = URI.create(s.endpoint());
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "webPush.endpoint is not a URL");
    }
    // Only https push services: an http or internal URL would make the server post to wherever a client says.
    if (!"https".equals(endpoint.getScheme()) || endpoint.getHost() == null || s.endpoint().length() > 2048
        || !BASE64URL.matcher(s.p256dh()).matches() || s.p256dh().length() > 200
        || !BASE64URL.matcher(s.auth()).matches() || s.auth().length() > 64) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "webPush subscription is not valid");
    }
    return s;
  }

  private static JsonObject registered(boolean registered) {
    return new JsonObject().put("registered", registered);
  }
}
