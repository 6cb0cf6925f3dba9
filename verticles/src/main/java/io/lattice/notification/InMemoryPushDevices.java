package io.lattice.notification;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * {@link PushDevices} in this JVM's memory: tests, demos and single-node development. Thread-safe; every future is
 * already complete when returned. Devices are compared with {@code equals} (records and strings: by value).
 */
public final class InMemoryPushDevices<D> implements PushDevices<D> {

  private final Map<String, Set<D>> byUser = new ConcurrentHashMap<>();

  @Override
  public Future<Boolean> add(String userId, D device) {
    // compute() runs under the map's lock for this user: the cap check and the add are one step.
    boolean[] added = {true};
    byUser.compute(userId, (u, devices) -> {
      Set<D> set = devices == null ? new CopyOnWriteArraySet<>() : devices;
      if (!set.contains(device)) {
        if (set.size() >= MAX_DEVICES_PER_USER) {
          added[0] = false;
        } else {
          set.add(device);
        }
      }
      return set;
    });
    return Future.succeededFuture(added[0]);
  }

  @Override
  public Future<List<D>> devicesOf(String userId) {
    Set<D> devices = byUser.get(userId);
    return Future.succeededFuture(devices == null ? List.of() : List.copyOf(devices));
  }

  @Override
  public Future<Void> remove(String userId, D device) {
    Set<D> devices = byUser.get(userId);
    if (devices != null) {
      devices.remove(device);
    }
    return Future.succeededFuture();
  }
}
