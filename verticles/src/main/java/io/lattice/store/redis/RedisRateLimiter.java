package io.lattice.store.redis;

import io.lattice.store.RateLimiter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;

/**
 * {@link RateLimiter} in Redis: one hash per bucket ({@code rate:{k:<key>}}), changed only by
 * {@link RateLimiterScript}, so concurrent takes from every node of the region share one bucket. The hash's TTL is
 * the time to refill fully plus a grace: once it is gone the bucket would be full anyway.
 */
public final class RedisRateLimiter implements RateLimiter {

  private final Vertx vertx;
  private final RedisChannel redis;
  private final RedisKeys keys;
  private final Clock clock;
  private final RateLimiterScript script;

  RedisRateLimiter(Vertx vertx, RedisChannel redis, RedisKeys keys, Clock clock, RateLimiterScript script) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.clock = clock;
    this.script = script;
  }

  @Override
  public Future<Long> tryTake(String key, double ratePerSecond, double burst) {
    if (!(ratePerSecond > 0) || !(burst > 0)) {
      return Future.failedFuture(new IllegalArgumentException("rate and burst must be positive"));
    }
    Context caller = vertx.getOrCreateContext();
    double ratePerMilli = ratePerSecond / 1000.0;
    long keyTtl = (long) Math.ceil(burst / ratePerMilli) + RedisSupport.EXPIRY_GRACE_MS;
    return RedisSupport.onCaller(caller,
        script.take(redis, keys.rateBucket(key), clock.millis(), ratePerMilli, burst, keyTtl));
  }
}
