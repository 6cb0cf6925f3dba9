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
 * again on every start, as FCM and Web Push clients do when their token or subscription may have changed). For
 * devices that survive a restart of the whole region, {@code backends.pushDevices: redis} ({@code RedisPushDevices}).
 *
 * <p>Threading: MultiMap has no asynchronous API, so every call runs on a worker thread.
 *
 * @param <D> the device address (an FCM token, a Web Push subscription)
 */
public final class HazelcastPushDevices<D> implements PushDevices<D> {
  private final Vertx vertx;
  private final MultiMap<String, String> devices;
  private final Function<D, String> encode;
  private final Function<String, D> decode;

  public HazelcastPushDevices(Vertx vertx, HazelcastInstance hazelcast, DeviceCodec<D> codec) {
    this.vertx = vertx;
    this.devices = hazelcast.getMultiMap("lattice.push.devices." + codec.kind());
    this.encode = codec.encode();
    this.decode = codec.decode();
  }

  /**
   * Not atomic across nodes (MultiMap has no conditional put): two nodes registering a user's 20th and 21st devices
   * at once may both pass the cap check, leaving one device over it; harmless, the cap only bounds abuse.
   */
  @Override
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
