package io.lattice.notification;

import io.vertx.core.Future;

import java.util.List;

/**
 * The devices users register for offline push (an FCM registration token, a browser's Web Push subscription), where
 * a device-addressed {@link io.lattice.store.PushSender} (FCM, Web Push) finds them and reports the ones the push
 * service says are gone. {@code PushNotification} names only the user.
 *
 * <p>Contract (checked for every adapter by {@code PushDevicesContract}):
 * <ul>
 *   <li>A user's devices are a set: {@link #add} of a device the user has is a no-op that answers {@code true}
 *   (clients register again on every start); {@link #remove} of one the user lacks is a no-op too. Devices are
 *   equal when their encoded forms ({@link DeviceCodec}) are; {@link #devicesOf} gives them back equal to what was
 *   added, in no particular order.</li>
 *   <li>Users are isolated: the same device registered by two users belongs to both, and removing it from one
 *   leaves the other's.</li>
 *   <li>A user keeps at most {@link #MAX_DEVICES_PER_USER} devices of one kind: one more is refused ({@code false})
 *   and drops none.</li>
 *   <li>Each call is atomic on its own; a read after a completed write (from any node of the region, for the shared
 *   adapters) sees it. Durability is the adapter's: {@link InMemoryPushDevices} is this JVM's,
 *   {@link HazelcastPushDevices} the region's cluster's (lost when every node restarts at once),
 *   {@code RedisPushDevices} the Redis server's persistence.</li>
 *   <li>Threading: thread-safe; futures complete on the caller's context (when there is one).</li>
 * </ul>
 *
 * @param <D> the device address: {@code String} (an FCM registration token) or {@link WebPushSubscription}
 */
public interface PushDevices<D> {

  /** A user keeps at most this many devices of one kind; registering one more drops none but is refused. */
  int MAX_DEVICES_PER_USER = 20;

  /** Registers a device of the user; false if the user already has {@link #MAX_DEVICES_PER_USER} others. */
  Future<Boolean> add(String userId, D device);

  Future<List<D>> devicesOf(String userId);

  /** Unregisters a device, or the push service answered that it no longer exists (FCM UNREGISTERED, Web Push 410). */
  Future<Void> remove(String userId, D device);
}
