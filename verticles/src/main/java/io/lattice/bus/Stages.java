package io.lattice.bus;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Completion stages of other libraries (Hazelcast) brought back onto a Vert.x context. */
public final class Stages {
  private Stages() {
  }

  /**
   * Completes on {@code context}, registering the callback with a same-thread executor. Not
   * {@code Future.fromCompletionStage}: that registers a plain {@code whenComplete}, which Hazelcast runs on its
   * default async executor, and on a machine with 2 cores or fewer (common pool parallelism 1) that executor starts a
   * new thread per callback: thread creation was the hottest Hazelcast frame of a cross-region profile
   * (docs/performance.md). The callback here only schedules the completion on the context's event loop.
   */
  public static <T> Future<T> onContext(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, error) -> context.runOnContext(v -> {
      if (error == null) {
        promise.complete(value);
      } else {
        promise.fail(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
      }
    }), Runnable::run);
    return promise.future();
  }
}
