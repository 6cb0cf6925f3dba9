package io.lattice.notification;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/** {@link PushDevices} in this JVM's memory: tests, demos and single-node development. Thread-safe. */
public final class InMemoryPushDevices<D> implements PushDevices<D> {

  private final Map<String, Set<D>> byUser = new ConcurrentHashMap<>();

  public void add(String userId, D device) {
    byUser.computeIfAbsent(userId, u -> new CopyOnWriteArraySet<>()).add(device);
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
