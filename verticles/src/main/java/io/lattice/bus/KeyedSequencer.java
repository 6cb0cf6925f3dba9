package io.lattice.bus;

import io.vertx.core.Future;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks one after another per key, and tasks of different keys concurrently. Used where order
 * matters within a key (a sender's sends in a conversation, a conversation's deliveries) but a global queue would
 * serialize unrelated work.
 *
 * <p>Not thread-safe: owned by one verticle and used on its event loop.
 */
public final class KeyedSequencer {
  private final Map<String, Future<?>> tails = new HashMap<>();

  /** Starts {@code task} once every earlier task of {@code key} has completed (successfully or not). */
  public <T> Future<T> submit(String key, Supplier<Future<T>> task) {
    Future<?> previous = tails.get(key);
    Future<T> next = previous == null ? start(task) : previous.transform(ar -> start(task));
    tails.put(key, next);
    next.onComplete(ar -> tails.remove(key, next));
    return next;
  }

  private static <T> Future<T> start(Supplier<Future<T>> task) {
    try {
      return task.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Completes when everything submitted so far has completed. */
  public Future<Void> drained() {
    return Future.join(List.copyOf(tails.values())).mapEmpty();
  }

  public int pendingKeys() {
    return tails.size();
  }
}
