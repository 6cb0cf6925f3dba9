package io.lattice.notification;

import io.vertx.core.Future;

import java.util.List;

/**
 * Where a device-addressed {@link io.lattice.store.PushSender} (FCM, Web Push) finds a user's devices, and where it
 * reports the ones the push service says are gone. {@code PushNotification} names only the user: the devices a user
 * registered (an FCM registration token, a browser's Web Push subscription) are kept here.
 *
 * <p>Only the smallest contract the senders need; {@link InMemoryPushDevices} is the one implementation so far (a
 * persistent one, and the HTTP route by which clients register, are to be added with the wiring).
 *
 * @param <D> the device address: {@code String} (an FCM registration token) or {@link WebPushSubscription}
 */
public interface PushDevices<D> {

  Future<List<D>> devicesOf(String userId);

  /** The push service answered that this device no longer exists (FCM UNREGISTERED, Web Push 404/410). */
  Future<Void> remove(String userId, D device);
}
