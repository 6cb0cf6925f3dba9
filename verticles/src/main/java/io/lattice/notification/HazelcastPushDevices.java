package io.lattice.notification;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.multimap.MultiMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Users' push devices, region-wide, in a Hazelcast {@code MultiMap} named {@code lattice.push.devices.<kind>} (user id
 * -> encoded device; a set, so registering a device twice keeps one). Every node of the region sees the devices
 * registered through any node, and the notification verticle of whichever node pushes finds them.
 *
 * <p>Devices live as long as the region's Hazelcast cluster (all nodes restarted at once lose them; clients register
 * again on every start, as FCM and Web Push clients do when their token or subscription may have changed). A
 * production deployment wanting them durable puts them in Redis or Cassandra behind the same interface.
 *
 * <p>Threading: MultiMap has no asynchronous API, so every call runs on a worker thread.
 *
 * @param <D> the device address (an FCM token, a Web Push subscription)
 */
public final class HazelcastPushDevices<D> implements PushDevices<D> {
  /** A user keeps at most this many devices of one kind; registering one more drops none but is refused. */
  public static final int MAX_DEVICES_PER_USER = 20;

  private final Vertx vertx;
  private final MultiMap<String, String> devices;
  private final Function<D, String> encode;
  private final Function<String, D> decode;

  public HazelcastPushDevices(Vertx vertx, HazelcastInstance hazelcast, String kind, Function<D, String> encode,
                              Function<String, D> decode) {
    this.vertx = vertx;
    this.devices = hazelcast.getMultiMap("lattice.push.devices." + kind);
    this.encode = encode;
    this.decode = decode;
  }

  /** Registers a device of the user; false if the user already has {@link #MAX_DEVICES_PER_USER}. */
  public Future<Boolean> add(String userId, D device) {
    String encoded = encode.apply(device);
    return vertx.executeBlocking(() -> {
      if (devices.containsEntry(userId, encoded)) {
        return true;
      }
      if (devices.valueCount(userId) >= MAX_DEVICES_PER_USER) {
        return false;
      }
      devices.put(userId, encoded);
      return true;
    }, false);
  }

  @Override
  public Future<List<D>> devicesOf(String userId) {
    return vertx.executeBlocking(() -> {
      List<D> out = new ArrayList<>();
      for (String encoded : devices.get(userId)) {
        out.add(decode.apply(encoded));
      }
      return out;
    }, false);
  }

  @Override
  public Future<Void> remove(String userId, D device) {
    String encoded = encode.apply(device);
    return vertx.executeBlocking(() -> {
      devices.remove(userId, encoded);
      return null;
    }, false);
  }
}
