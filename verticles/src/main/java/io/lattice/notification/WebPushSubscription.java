package io.lattice.notification;

/**
 * A browser's Web Push subscription, as {@code PushSubscription.toJSON()} gives it: the push service URL to POST to,
 * the user agent's P-256 public key ({@code keys.p256dh}, uncompressed point) and its 16-byte auth secret
 * ({@code keys.auth}), both base64url.
 */
public record WebPushSubscription(String endpoint, String p256dh, String auth) {

  public WebPushSubscription {
    if (endpoint == null || p256dh == null || auth == null) {
      throw new IllegalArgumentException("endpoint, p256dh and auth are required");
    }
  }

  /** From {@code {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}}. */
  public static WebPushSubscription fromJson(io.vertx.core.json.JsonObject json) {
    io.vertx.core.json.JsonObject keys = json.getJsonObject("keys", new io.vertx.core.json.JsonObject());
    return new WebPushSubscription(json.getString("endpoint"), keys.getString("p256dh"), keys.getString("auth"));
  }

  /** The same JSON shape {@link #fromJson} reads. */
  public io.vertx.core.json.JsonObject toJson() {
    return new io.vertx.core.json.JsonObject().put("endpoint", endpoint)
        .put("keys", new io.vertx.core.json.JsonObject().put("p256dh", p256dh).put("auth", auth));
  }
}
