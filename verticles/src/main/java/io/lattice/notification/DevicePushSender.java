package io.lattice.notification;

import io.lattice.store.PushSender;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;

/**
 * The part FCM and Web Push share: look up the user's devices, send to each with retries and backoff, drop the
 * devices the push service says are gone.
 *
 * <p>The returned future succeeds when every device either took the notification or was dropped as gone (a user
 * with no devices included: there is nobody to notify); it fails, with the first device's failure, when any device
 * was given up (a final refusal, or transient failures until the attempts ran out), so a caller that retries keeps
 * at-least-once delivery. Timers and responses run on the caller's context.
 */
public abstract class DevicePushSender<D> implements PushSender {

  /** What one attempt at one device came to. */
  sealed interface Outcome permits Delivered, Gone, Retry, Failed {
  }

  record Delivered() implements Outcome {
  }

  record Gone() implements Outcome {
  }

  /** Worth trying again: a connection error, a timeout, 429, 5xx; {@code retryAfter} as the response said. */
  record Retry(Throwable cause, String retryAfter) implements Outcome {
  }

  record Failed(Throwable cause) implements Outcome {
  }

  protected final Vertx vertx;
  private final PushDevices<D> devices;
  private final int maxAttempts;
  private final Backoff backoff;

  DevicePushSender(Vertx vertx, PushDevices<D> devices, int maxAttempts, Backoff backoff) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    this.vertx = vertx;
    this.devices = devices;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  /** One attempt at one device; never a failed future (a failure is an {@link Outcome}). */
  abstract Future<Outcome> attempt(D device, PushNotification notification);

  @Override
  public Future<Void> send(PushNotification notification) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> result = Promise.promise();
    context.runOnContext(v -> devices.devicesOf(notification.userId()).onComplete(found -> {
      if (found.failed()) {
        result.fail(found.cause());
        return;
      }
      List<Future<Outcome>> each = new ArrayList<>();
      for (D device : found.result()) {
        Promise<Outcome> done = Promise.promise();
        each.add(done.future());
        attemptWithRetries(device, notification, 1, done);
      }
      Future.join(each).onComplete(all -> {
        for (Future<Outcome> f : each) {
          if (f.result() instanceof Failed failed) {
            result.fail(failed.cause());
            return;
          }
        }
        result.complete();
      });
    }));
    return result.future();
  }

  private void attemptWithRetries(D device, PushNotification notification, int attempt, Promise<Outcome> done) {
    attempt(device, notification).recover(e -> Future.succeededFuture(new Retry(e, null))).onComplete(ar -> {
      Outcome outcome = ar.result();
      if (outcome instanceof Gone) {
        devices.remove(notification.userId(), device).onComplete(removed -> done.complete(outcome));
      } else if (outcome instanceof Retry retry) {
        if (attempt >= maxAttempts) {
          done.complete(new Failed(retry.cause()));
        } else {
          vertx.setTimer(backoff.delayBefore(attempt + 1, retry.retryAfter()),
              id -> attemptWithRetries(device, notification, attempt + 1, done));
        }
      } else {
        done.complete(outcome);
      }
    });
  }

  /** The push service refused a notification for good, or kept failing until the attempts ran out. */
  public static final class PushRefused extends RuntimeException {
    private final int status;

    PushRefused(String service, int status, String detail) {
      super(service + " answered " + status + (detail == null || detail.isEmpty() ? "" : ": " + detail));
      this.status = status;
    }

    public int status() {
      return status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
