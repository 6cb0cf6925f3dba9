package io.lattice.model;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's Lamport clock. Thread-safe: the gateway, message and presence verticles of one node share it.
 */
public final class LamportClock {
  private final AtomicLong time = new AtomicLong();

  /** A local event: the next timestamp. */
  public long tick() {
    return time.incrementAndGet();
  }

  /** A timestamp seen from anywhere: advance past it, and return our new time. */
  public long witness(long seen) {
    return time.accumulateAndGet(seen, (current, s) -> Math.max(current, s) + 1);
  }

  /** Raise to at least {@code seen} without ticking (e.g. on restart, from the store's maximum). */
  public void advanceTo(long seen) {
    time.accumulateAndGet(seen, Math::max);
  }

  public long current() {
    return time.get();
  }
}
