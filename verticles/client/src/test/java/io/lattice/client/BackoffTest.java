package io.lattice.client;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

  @Test
  void windowDoublesFromTheBaseUpToTheCap() {
    Backoff backoff = new Backoff(250, 10_000);
    assertThat(backoff.ceilingMs(0)).isEqualTo(250);
    assertThat(backoff.ceilingMs(1)).isEqualTo(500);
    assertThat(backoff.ceilingMs(5)).isEqualTo(8_000);
    assertThat(backoff.ceilingMs(6)).isEqualTo(10_000);
    assertThat(backoff.ceilingMs(1_000)).isEqualTo(10_000);
  }

  /** Full jitter: the delay spans the whole window, from 0 to the ceiling, never beyond. */
  @Test
  void delayCoversZeroToTheCeiling() {
    AtomicReference<Double> next = new AtomicReference<>(0.0);
    Backoff backoff = new Backoff(250, 10_000, next::get);
    assertThat(backoff.delayMs(3)).isZero();
    next.set(0.999_999_9);
    assertThat(backoff.delayMs(3)).isEqualTo(2_000);
    assertThat(backoff.delayMs(50)).isEqualTo(10_000);
  }

  @Test
  void randomDelaysStayInTheWindowAndSpreadOverIt() {
    Backoff backoff = new Backoff(250, 10_000);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 5_000; i++) {
      long d = backoff.delayMs(4);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertThat(min).isBetween(0L, 200L);
    assertThat(max).isBetween(3_800L, 4_000L);
  }

  @Test
  void refusesANonsenseWindow() {
    assertThatThrownBy(() -> new Backoff(0, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(100, 10)).isInstanceOf(IllegalArgumentException.class);
  }
}
