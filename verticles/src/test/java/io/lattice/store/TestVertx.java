package io.lattice.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Test helpers: a Vert.x instance whose blocked-thread checker complains after 200 ms on an event loop (so a
 * blocking call in an adapter shows up in the test log), and awaiting futures from the JUnit thread, which is not
 * an event loop and may block.
 */
public final class TestVertx {

  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private TestVertx() {
  }

  public static Vertx create() {
    // Jackson's first use costs a few hundred ms of class initialisation on a busy machine; pay it here, on the
    // test thread, so the blocked-thread checker reports real blocking rather than JVM warm-up.
    new JsonObject().put("warm", "up").encode();
    return Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(2)
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(300).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
  }

  /** The future's result, or its failure rethrown; fails the test after {@link #TIMEOUT}. */
  public static <T> T await(Future<T> future) {
    CompletableFuture<T> completable = future.toCompletionStage().toCompletableFuture();
    try {
      return completable.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new AssertionError("future not completed within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The failure of a future expected to fail. */
  public static Throwable awaitFailure(Future<?> future) {
    try {
      await(future);
    } catch (AssertionError e) {
      throw e;
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected the future to fail");
  }

  /** Polls {@code condition} every 20 ms until it holds; fails after {@link #TIMEOUT}. */
  public static void eventually(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TIMEOUT + " waiting for: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }

  /** The context on which the future {@code call} returns, called on {@code context}, completes successfully. */
  public static io.vertx.core.Context completionContext(io.vertx.core.Context context,
                                                       java.util.function.Supplier<Future<?>> call) {
    CompletableFuture<io.vertx.core.Context> completedOn = new CompletableFuture<>();
    context.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        completedOn.complete(Vertx.currentContext());
      } else {
        completedOn.completeExceptionally(ar.cause());
      }
    }));
    return await(Future.fromCompletionStage(completedOn));
  }
}
