package io.lattice.client;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the n-th retry
 * waits a uniformly random time in [0, min(cap, base * 2^n)]. Full jitter spreads a crowd of clients that lost the
 * same region at the same moment over the whole window, instead of sending them back in synchronized waves.
 */
public record Backoff(long baseMs, long capMs, DoubleSupplier random) {

  public Backoff {
    if (baseMs <= 0 || capMs < baseMs) {
      throw new IllegalArgumentException("need 0 < base <= cap, got " + baseMs + " / " + capMs);
    }
  }

  public Backoff(long baseMs, long capMs) {
    this(baseMs, capMs, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** The ceiling of the n-th retry's window (n from 0). */
  public long ceilingMs(int attempt) {
    long ceiling = baseMs;
    for (int i = 0; i < attempt && ceiling < capMs; i++) {
      ceiling <<= 1; // stops doubling at the cap, long before it could overflow
    }
    return Math.min(capMs, ceiling);
  }

  /** A delay for the n-th retry: uniform in [0, ceiling(n)]. */
  public long delayMs(int attempt) {
    return (long) Math.floor(random.getAsDouble() * (ceilingMs(attempt) + 1));
  }
}
