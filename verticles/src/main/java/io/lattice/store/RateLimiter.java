package io.lattice.store;

import io.vertx.core.Future;

/**
 * Token buckets shared by every node of a region (e.g. per user or per group conversation), where the per-node
 * {@link io.lattice.bus.TokenBucket} would let a client that spreads over N nodes send N times the rate.
 *
 * <p>Contract: same semantics as {@code TokenBucket}: a bucket starts full ({@code burst} tokens), refills at
 * {@code ratePerSecond} up to {@code burst}, by the injected clock; each call takes one token atomically across
 * nodes. Futures complete on the caller's context.
 */
public interface RateLimiter {

  /**
   * Takes one token from {@code key}'s bucket: 0 if allowed, otherwise how many milliseconds until a token is
   * available (nothing taken). {@code ratePerSecond} and {@code burst} must be positive.
   */
  Future<Long> tryTake(String key, double ratePerSecond, double burst);
}
