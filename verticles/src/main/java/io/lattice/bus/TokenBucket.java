package io.lattice.bus;

/**
 * A token bucket: {@code ratePerSecond} refill, {@code burst} capacity. Not thread-safe: each instance is owned by
 * one verticle's event loop. Time is passed in (from the verticle's injected Clock) so tests control it.
 */
public final class TokenBucket {
  private final double ratePerMilli;
  private final double burst;
  private double tokens;
  private long lastMillis;

  public TokenBucket(double ratePerSecond, double burst, long nowMillis) {
    this.ratePerMilli = ratePerSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.lastMillis = nowMillis;
  }

  /** Takes a token; returns 0 if allowed, otherwise how many ms until one is available. */
  public long tryTake(long nowMillis) {
    refill(nowMillis);
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) / ratePerMilli));
  }

  /** True when the bucket is full again (the owner may forget it). */
  public boolean idle(long nowMillis) {
    refill(nowMillis);
    return tokens >= burst;
  }

  private void refill(long nowMillis) {
    if (nowMillis > lastMillis) {
      tokens = Math.min(burst, tokens + (nowMillis - lastMillis) * ratePerMilli);
      lastMillis = nowMillis;
    }
  }
}
