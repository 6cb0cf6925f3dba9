package io.lattice.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LamportClockTest {

  /** A clock operation: null is a tick, a value is a witness of that timestamp. */
  @Provide
  Arbitrary<List<Long>> operations() {
    return Arbitraries.longs().between(0, 1_000_000).injectNull(0.5).list().ofMaxSize(50);
  }

  @Property
  void every_event_gets_a_strictly_later_time(@ForAll("operations") List<Long> operations) {
    LamportClock clock = new LamportClock();
    long last = clock.current();
    for (Long seen : operations) {
      long now = seen == null ? clock.tick() : clock.witness(seen);
      assertThat(now).isGreaterThan(last);
      if (seen != null) {
        assertThat(now).as("witness moves past the seen value").isGreaterThan(seen);
      }
      assertThat(clock.current()).isEqualTo(now);
      last = now;
    }
  }

  @Property
  void witness_moves_past_seen_values(@ForAll("operations") List<Long> operations) {
    LamportClock clock = new LamportClock();
    long maxSeen = 0;
    for (Long seen : operations) {
      if (seen == null) {
        clock.tick();
      } else {
        maxSeen = Math.max(maxSeen, seen);
        clock.witness(seen);
      }
      assertThat(clock.current()).isGreaterThanOrEqualTo(maxSeen);
      assertThat(clock.tick()).isGreaterThan(maxSeen);
    }
  }

  @Test
  void witness_of_an_older_value_still_ticks() {
    LamportClock clock = new LamportClock();
    clock.witness(100);
    assertThat(clock.current()).isEqualTo(101);
    assertThat(clock.witness(5)).isEqualTo(102);
    assertThat(clock.tick()).isEqualTo(103);
  }

  @Test
  void tick_is_strictly_increasing() {
    LamportClock clock = new LamportClock();
    long last = clock.current();
    for (int i = 0; i < 10_000; i++) {
      long next = clock.tick();
      assertThat(next).isEqualTo(last + 1);
      last = next;
    }
  }

  @Test
  void advance_to_raises_without_ticking() {
    LamportClock clock = new LamportClock();
    clock.advanceTo(50);
    assertThat(clock.current()).isEqualTo(50);
    clock.advanceTo(10); // never backwards
    assertThat(clock.current()).isEqualTo(50);
    assertThat(clock.tick()).isEqualTo(51);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrent_ticks_are_all_distinct() throws Exception {
    LamportClock clock = new LamportClock();
    int threads = 4;
    int perThread = 20_000;
    List<long[]> results = runConcurrently(threads, () -> {
      long[] out = new long[perThread];
      for (int i = 0; i < perThread; i++) {
        out[i] = clock.tick();
      }
      return out;
    });
    Set<Long> all = new HashSet<>();
    for (long[] out : results) {
      for (int i = 0; i < out.length; i++) {
        if (i > 0) {
          assertThat(out[i]).isGreaterThan(out[i - 1]);
        }
        assertThat(all.add(out[i])).as("timestamp %d handed out twice", out[i]).isTrue();
      }
    }
    assertThat(all).hasSize(threads * perThread);
    assertThat(clock.current()).isEqualTo((long) threads * perThread);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void concurrent_ticks_and_witnesses_are_all_distinct() throws Exception {
    LamportClock clock = new LamportClock();
    int threads = 4;
    int perThread = 20_000;
    List<long[]> results = runConcurrently(threads, () -> {
      long[] out = new long[perThread];
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < perThread; i++) {
        if (random.nextBoolean()) {
          out[i] = clock.tick();
        } else {
          long seen = random.nextLong(0, 200_000);
          out[i] = clock.witness(seen);
          assertThat(out[i]).isGreaterThan(seen);
        }
      }
      return out;
    });
    Set<Long> all = new HashSet<>();
    for (long[] out : results) {
      for (int i = 0; i < out.length; i++) {
        if (i > 0) {
          assertThat(out[i]).isGreaterThan(out[i - 1]);
        }
        assertThat(all.add(out[i])).as("timestamp %d handed out twice", out[i]).isTrue();
      }
    }
    assertThat(all).hasSize(threads * perThread);
  }

  private static List<long[]> runConcurrently(int threads, java.util.concurrent.Callable<long[]> work)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<long[]>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          return work.call();
        }));
      }
      start.countDown();
      List<long[]> results = new ArrayList<>();
      for (Future<long[]> f : futures) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
