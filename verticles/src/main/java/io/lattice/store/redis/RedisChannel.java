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
 * slot), shared by every request of the adapters, on a dedicated event-loop context. Reconnects on the next request
 * after the connection failed or closed.
 *
 * <p>Why not {@code Redis.send}, which borrows a pooled connection per request: in cluster mode, a few hundred
 * concurrent requests through the pool never completed in tests (each request takes a cluster connection out of
 * the pool for its duration; the pool stalled), while the same requests pipelined on one connection took tens of
 * milliseconds. One pipelined connection is also what Redis serves best.
 */
public final class RedisChannel {

  private final Redis redis;
  private final Context home;
  private Future<RedisConnection> current; // only touched on home

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
    home.runOnContext(v -> connection().compose(c -> c.send(request)).onComplete(promise));
    return promise.future();
  }

  private Future<RedisConnection> connection() {
    if (current == null || current.failed()) {
      Future<RedisConnection> connecting = redis.connect();
      current = connecting;
      connecting.onSuccess(c -> {
        c.exceptionHandler(e -> home.runOnContext(v -> forget(connecting)));
        c.endHandler(v -> home.runOnContext(w -> forget(connecting)));
      });
    }
    return current;
  }

  private void forget(Future<RedisConnection> connection) {
    if (current == connection) {
      current = null;
      connection.onSuccess(RedisConnection::close);
    }
  }

  /** Closes the connection and the client. */
  public Future<Void> close() {
    Promise<Void> promise = Promise.promise();
    home.runOnContext(v -> {
      Future<RedisConnection> last = current;
      current = null;
      Future<Void> closed = last == null ? Future.succeededFuture()
          : last.compose(RedisConnection::close).otherwiseEmpty();
      closed.eventually(redis::close).onComplete(promise);
    });
    return promise.future();
  }
}
