package io.lattice.bus;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {

  @Test
  void should_allow_the_burst_then_say_how_long_to_wait() {
    TokenBucket bucket = new TokenBucket(10, 3, 0);
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isZero();
    assertThat(bucket.tryTake(0)).isEqualTo(100);
    assertThat(bucket.tryTake(100)).isZero();
  }

  @Test
  void should_refill_up_to_the_burst_only() {
    TokenBucket bucket = new TokenBucket(10, 2, 0);
    bucket.tryTake(0);
    bucket.tryTake(0);
    assertThat(bucket.idle(60_000)).isTrue();
    assertThat(bucket.tryTake(60_000)).isZero();
    assertThat(bucket.tryTake(60_000)).isZero();
    assertThat(bucket.tryTake(60_000)).isPositive();
  }

  @Test
  void should_not_refill_when_the_clock_goes_backwards() {
    TokenBucket bucket = new TokenBucket(10, 1, 1000);
    bucket.tryTake(1000);
    assertThat(bucket.tryTake(500)).isPositive();
  }
}
