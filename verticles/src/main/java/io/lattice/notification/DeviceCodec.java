package io.lattice.notification;

import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * How a kind of push device is stored by the shared {@link PushDevices} adapters: a name for the kind (part of the
 * map or key name) and a string form. Two devices are the same device when their string forms are equal, so
 * {@code encode} must be deterministic (a subscription's JSON keeps its fields in one order).
 */
public record DeviceCodec<D>(String kind, Function<D, String> encode, Function<String, D> decode) {

  /** FCM registration tokens, stored as they are. */
  public static final DeviceCodec<String> FCM = new DeviceCodec<>("fcm", token -> token, token -> token);

  /** Web Push subscriptions, stored as their {@code PushSubscription.toJSON()} form. */
  public static final DeviceCodec<WebPushSubscription> WEB_PUSH = new DeviceCodec<>("webpush",
      s -> s.toJson().encode(), s -> WebPushSubscription.fromJson(new JsonObject(s)));
}
