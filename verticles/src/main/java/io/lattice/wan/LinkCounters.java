package io.lattice.wan;

import java.util.concurrent.atomic.AtomicLong;

/** The counters of one {@link WanLink}, shared with its pipes; read from any thread by {@link WanLink#stats()}. */
final class LinkCounters {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong refused = new AtomicLong();
  final AtomicLong connectFailures = new AtomicLong();
  final AtomicLong active = new AtomicLong();
  final AtomicLong bytesToTarget = new AtomicLong();
  final AtomicLong bytesFromTarget = new AtomicLong();
  final AtomicLong heldBytes = new AtomicLong();
  final AtomicLong maxHeldInPipe = new AtomicLong();
  final AtomicLong sourcePauses = new AtomicLong();
  final AtomicLong pausedSources = new AtomicLong();
  final AtomicLong chunksWritten = new AtomicLong();
  final AtomicLong latenessTotalNanos = new AtomicLong();
  final AtomicLong latenessMaxNanos = new AtomicLong();
}
