package io.lattice.bench;

import io.lattice.client.Ack;
import io.lattice.model.Message;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongConsumer;

/**
 * The message traffic of a run: sends stamped with their send time ({@code bench|seq|nanoTime} as the content: the
 * receiver is in the same process, so one clock measures send->deliver), acks, deliveries, duplicates, and the
 * pacer that issues sends at a given rate, bounded by a count, a time and the number of sends in flight.
 */
final class Traffic {
  private static final String PREFIX = "bench|";

  final Stats stats;
  final AtomicLong seq = new AtomicLong();
  final AtomicLong sent = new AtomicLong();
  final AtomicLong acked = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong expected = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicInteger inFlight = new AtomicInteger();
  /** Deliveries owed by every send not refused (known at send time, whether or not its ack came yet). */
  final AtomicLong owed = new AtomicLong();
  /** Set when the run is over: sends still unanswered then fail as the clients close, and are not errors. */
  volatile boolean closing;
  private final Set<Long> seen = ConcurrentHashMap.newKeySet();
  final Map<String, Fleet.User> byId = new ConcurrentHashMap<>();

  Traffic(Stats stats) {
    this.stats = stats;
  }

  /**
   * Sends one message; {@code recipients} deliveries are expected once it is acknowledged.
   * {@code onAck} (may be null) hears the ack and the send time.
   */
  void send(Fleet.User from, String conversationId, int recipients, BiConsumer<Ack, Long> onAck) {
    long n = seq.incrementAndGet();
    long t0 = System.nanoTime();
    sent.incrementAndGet();
    stats.count("sent");
    inFlight.incrementAndGet();
    owed.addAndGet(recipients);
    from.client.send(conversationId, PREFIX + n + "|" + t0, null, UUID.randomUUID().toString()).onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.succeeded()) {
        stats.record("send->ack", now - t0);
        acked.incrementAndGet();
        stats.count("acked");
        expected.addAndGet(recipients);
        if (onAck != null) {
          onAck.accept(ar.result(), t0);
        }
      } else if (closing) {
        stats.count("unacked at close");
      } else {
        failed.incrementAndGet();
        owed.addAndGet(-recipients);
        String m = String.valueOf(ar.cause().getMessage());
        stats.count("errors.send." + (m.length() > 40 ? m.substring(0, 40) : m).replaceAll("[^A-Za-z0-9_ -]", ""));
      }
      inFlight.decrementAndGet();
    });
  }

  /**
   * A message a user received: returns its send->deliver latency in nanoseconds, or -1 when it is not a bench
   * message, the user's own, or a duplicate (counted).
   */
  long delivered(Fleet.User to, Message m) {
    String content = m.content();
    if (content == null || !content.startsWith(PREFIX) || m.senderId().equals(to.id)) {
      return -1;
    }
    long now = System.nanoTime();
    int bar = content.indexOf('|', PREFIX.length());
    long n = Long.parseLong(content.substring(PREFIX.length(), bar));
    long t0 = Long.parseLong(content.substring(bar + 1));
    if (!seen.add((n << 20) | (to.index & 0xFFFFF))) {
      duplicates.incrementAndGet();
      stats.count("duplicates");
      return -1;
    }
    delivered.incrementAndGet();
    stats.count("delivered");
    stats.record("send->deliver", now - t0);
    return now - t0;
  }

  /** Issues sends at {@code rate(t)} msg/s for {@code seconds}, at most {@code max}, or until {@code stop}. */
  void pace(DoubleUnaryOperator rate, double seconds, long max, int maxInFlight, BooleanSupplier stop,
            LongConsumer sendOne) {
    long start = System.nanoTime();
    stats.loadStarted(start);
    long last = start;
    double credit = 0;
    long issued = 0;
    while (issued < max && !stop.getAsBoolean()) {
      long now = System.nanoTime();
      double t = (now - start) / 1e9;
      if (t >= seconds) {
        break;
      }
      double r = rate.applyAsDouble(t);
      credit += r * (now - last) / 1e9;
      last = now;
      double cap = Math.max(1, r); // behind by more than a second of sends (a starved thread): skipped, and counted
      if (credit > cap) {
        stats.add("pacer.skipped", (long) (credit - cap));
        credit = cap;
      }
      while (credit >= 1 && issued < max) {
        if (inFlight.get() >= maxInFlight) {
          stats.count("pacer.throttled");
          credit = 0;
          break;
        }
        sendOne.accept(issued++);
        credit -= 1;
      }
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500)); // the pacer's tick
    }
  }

  /** After the sends: waits until every send is answered and every expected delivery arrived (or the limit). */
  boolean drain(double seconds) {
    return Fleet.pollUntil(java.time.Duration.ofMillis((long) (seconds * 1000)),
        () -> inFlight.get() == 0 && delivered.get() >= owed.get());
  }
}
