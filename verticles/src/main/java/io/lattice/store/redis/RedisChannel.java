package io.lattice.store.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * One long-lived, pipelined connection of a {@link Redis} client (in cluster mode: one per master, routed by
 * slot), shared by every request of the adapters, on a dedicated event-loop context.
 *
 * <p>Why not {@code Redis.send}, which borrows a pooled connection per request: in cluster mode, a few hundred
 * concurrent requests through the pool never completed in tests (each request takes a cluster connection out of
 * the pool for its duration; the pool stalled), while the same requests pipelined on one connection took tens of
 * milliseconds. One pipelined connection is also what Redis serves best.
 *
 * <p>Failures. A connection whose socket ended, or whose request failed for any reason other than a Redis error
 * reply, is <em>damaged</em>: the channel opens a replacement in the background (at most one attempt every
 * {@value #REPLACE_INTERVAL_MS} ms, only while requests come) and keeps sending on the damaged one until the
 * replacement is up, then retires it (closed once its last request completed). Why not drop it at once: in
 * cluster mode a connection is one socket per master, and the client's {@code connect} fails while any master of
 * its slot map is unreachable, which lasts until a replica is promoted; dropping the connection would stop every
 * slot for the whole failover instead of the dead master's slots only. The client itself follows {@code MOVED}
 * (refreshing its slot map) and {@code ASK}, retries {@code TRYAGAIN}/{@code CLUSTERDOWN}, refreshes the slot map
 * periodically, and connects lazily to a master it had not met (a promoted replica), so a damaged cluster
 * connection already serves the promoted master's slots before its replacement is up.
 *
 * <p>A Redis error reply is a {@link Response} of type error and says nothing about the connection. Any other
 * failure counts as damage, including the client's own refusals (a full waiting queue, a malformed command): that
 * costs at most a needless reconnect every {@value #REPLACE_INTERVAL_MS} ms, where telling every socket failure
 * apart would need the client's internals.
 */
public final class RedisChannel {

  /** The least time between two attempts to replace a damaged connection: bounds reconnect churn. */
  static final long REPLACE_INTERVAL_MS = 200;

  private final Redis redis;
  private final Context home;
  // All fields below are only touched on home.
  private Future<Lease> current;
  private Future<Lease> replacing;
  private long lastAttemptNanos;
  private boolean closed;

  private RedisChannel(Redis redis, Context home) {
    this.redis = redis;
    this.home = home;
  }

  /** A client with these options and its channel; nothing is connected until the first request. */
  public static RedisChannel create(Vertx vertx, RedisOptions options) {
    return new RedisChannel(Redis.createClient(vertx, options), ((VertxInternal) vertx).createEventLoopContext());
  }

  /** Sends on the shared connection; completes on the channel's context (callers hop back to theirs). */
  public Future<Response> send(Request request) {
    Promise<Response> promise = Promise.promise();
    home.runOnContext(v -> lease().compose(lease -> lease.send(request)).onComplete(promise));
    return promise.future();
  }

  private Future<Lease> lease() {
    if (closed) {
      return Future.failedFuture("the Redis channel is closed");
    }
    if (current == null || current.failed()) {
      // Nothing to serve on: the first connect, or the last connect failed; the request waits for this one.
      current = connect();
      return current;
    }
    Lease lease = current.result();
    if (lease != null && lease.damaged && replacing == null
        && System.nanoTime() - lastAttemptNanos >= REPLACE_INTERVAL_MS * 1_000_000) {
      replace();
    }
    return current;
  }

  private Future<Lease> connect() {
    lastAttemptNanos = System.nanoTime();
    return redis.connect().map(connection -> {
      Lease lease = new Lease(connection);
      // In cluster mode these reach the sockets to the masters known at connect time.
      connection.exceptionHandler(e -> home.runOnContext(v -> lease.damaged = true));
      connection.endHandler(v -> home.runOnContext(w -> lease.damaged = true));
      return lease;
    });
  }

  private void replace() {
    Future<Lease> attempt = connect();
    replacing = attempt;
    attempt.onComplete(done -> {
      replacing = null;
      if (done.failed()) {
        return; // still damaged: a later request tries again
      }
      if (closed) {
        done.result().retire();
        return;
      }
      Lease old = current.result();
      current = attempt;
      old.retire();
    });
  }

  /** Whether the connection in use is damaged, so that the next request starts a replacement; for tests. */
  Future<Boolean> damaged() {
    Promise<Boolean> promise = Promise.promise();
    home.runOnContext(v -> promise.complete(current != null && current.succeeded() && current.result().damaged));
    return promise.future();
  }

  /** Closes the connection and the client; requests after this fail. */
  public Future<Void> close() {
    Promise<Void> promise = Promise.promise();
    home.runOnContext(v -> {
      closed = true;
      Future<Lease> last = current;
      current = null;
      Future<Void> done = last == null ? Future.succeededFuture()
          : last.compose(Lease::closeNow).otherwiseEmpty();
      done.eventually(redis::close).onComplete(promise);
    });
    return promise.future();
  }

  /** A connection and what the channel knows of it; only touched on home. */
  private static final class Lease {
    final RedisConnection connection;
    boolean damaged;
    boolean retired;
    int inFlight;

    Lease(RedisConnection connection) {
      this.connection = connection;
    }

    Future<Response> send(Request request) {
      inFlight++;
      return connection.send(request).andThen(done -> {
        inFlight--;
        // A Redis error reply (wrong type, NOSCRIPT, a script's error...) says nothing about the connection; the
        // client fails with the reply itself, a Response of type ERROR.
        if (done.failed() && !(done.cause() instanceof Response)) {
          damaged = true;
        }
        if (retired && inFlight == 0) {
          closeNow();
        }
      });
    }

    /** No new requests come; closes once the pipelined ones have their replies, so none is cut off. */
    void retire() {
      retired = true;
      if (inFlight == 0) {
        closeNow();
      }
    }

    Future<Void> closeNow() {
      return connection.close();
    }
  }
}
