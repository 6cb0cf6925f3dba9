package io.lattice.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class LoadShedderTest {

  private final AtomicReference<Double> heap = new AtomicReference<>(0.5);
  private final LoadShedder shedder = new LoadShedder(0.8, 0.02, heap::get);

  private static List<Integer> connections(int n) {
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    return all;
  }

  @Test
  void belowTheThresholdNothingIsShedAndNewConnectionsAreWelcome() {
    List<Integer> shed = new ArrayList<>();
    shedder.round(() -> connections(1_000), shed::add);
    assertThat(shed).isEmpty();
    assertThat(shedder.overloaded()).isFalse();
  }

  /** A small share per round, never the whole population: no self-made reconnect storm. */
  @Test
  void aboveTheThresholdASmallShareIsShedEachRound() {
    heap.set(0.85);
    List<Integer> shed = new ArrayList<>();
    shedder.round(() -> connections(1_000), shed::add);
    assertThat(shed).hasSize(20);
    assertThat(shedder.overloaded()).isTrue();
    shedder.round(() -> connections(10), shed::add);
    assertThat(shed).hasSize(21); // at least one, even when 2% rounds to zero
    assertThat(shedder.shedTotal()).isEqualTo(21);
  }

  @Test
  void recoveringBelowTheThresholdStopsSheddingAndAdmitsAgain() {
    heap.set(0.9);
    shedder.round(() -> connections(100), c -> { });
    assertThat(shedder.overloaded()).isTrue();
    heap.set(0.6);
    List<Integer> shed = new ArrayList<>();
    shedder.round(() -> connections(100), shed::add);
    assertThat(shed).isEmpty();
    assertThat(shedder.overloaded()).isFalse();
  }

  @Test
  void theConnectionsAreOnlyListedWhenOverloaded() {
    shedder.round(() -> {
      throw new AssertionError("listed although below the threshold");
    }, c -> { });
  }

  @Test
  void theRealMeasurementIsAFraction() {
    assertThat(LoadShedder.oldGenerationAfterGc()).isBetween(0.0, 1.0);
  }
}
