package io.lattice.model.crdt;

import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The receipt CRDT: a product of three max-registers. */
class ReceiptStateTest {

  // ---- arbitraries -------------------------------------------------------------------------------------------

  /** Lamport values: often 0 (not yet), usually small (so fields tie across states), sometimes huge. */
  static Arbitrary<Long> lamports() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just(0L)),
        Tuple.of(6, Arbitraries.longs().between(1, 20)),
        Tuple.of(1, Arbitraries.longs().between(0, Long.MAX_VALUE)));
  }

  @Provide
  Arbitrary<ReceiptState> states() {
    return Combinators.combine(lamports(), lamports(), lamports()).as(ReceiptState::new);
  }

  /** Single updates as the services write them: one of sent/delivered/read at a Lamport time. */
  @Provide
  Arbitrary<ReceiptState> updates() {
    Arbitrary<Long> lamport = Arbitraries.longs().between(1, 30);
    return Arbitraries.oneOf(
        lamport.map(ReceiptState::sent),
        lamport.map(ReceiptState::delivered),
        lamport.map(ReceiptState::read),
        states());
  }

  @Provide
  Arbitrary<List<ReceiptState>> updateLists() {
    return updates().list().ofMaxSize(20);
  }

  // ---- CRDT laws ---------------------------------------------------------------------------------------------

  @Property
  void merge_is_commutative(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b) {
    assertThat(a.merge(b)).isEqualTo(b.merge(a));
  }

  @Property
  void merge_is_associative(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b,
                            @ForAll("states") ReceiptState c) {
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
  }

  @Property
  void merge_is_idempotent(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b) {
    assertThat(a.merge(a)).isEqualTo(a);
    // merging twice doesn't change anything either
    assertThat(a.merge(b).merge(b)).isEqualTo(a.merge(b));
  }

  @Property
  void empty_is_the_identity_of_merge(@ForAll("states") ReceiptState a) {
    assertThat(a.merge(ReceiptState.EMPTY)).isEqualTo(a);
    assertThat(ReceiptState.EMPTY.merge(a)).isEqualTo(a);
  }

  @Property
  void merge_result_covers_both_inputs(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b) {
    ReceiptState merged = a.merge(b);
    assertThat(merged.covers(a)).isTrue();
    assertThat(merged.covers(b)).isTrue();
    assertThat(merged.sentAt()).isGreaterThanOrEqualTo(Math.max(a.sentAt(), b.sentAt()));
    assertThat(merged.deliveredAt()).isGreaterThanOrEqualTo(Math.max(a.deliveredAt(), b.deliveredAt()));
    assertThat(merged.readAt()).isGreaterThanOrEqualTo(Math.max(a.readAt(), b.readAt()));
  }

  @Property
  void merge_is_the_least_state_covering_both(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b,
                                              @ForAll("states") ReceiptState c) {
    // join-semilattice: anything that covers a and b covers their merge
    if (c.covers(a) && c.covers(b)) {
      assertThat(c.covers(a.merge(b))).isTrue();
    }
  }

  @Property
  void status_never_goes_backwards_on_merge(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b) {
    ReceiptState.Status merged = a.merge(b).status();
    assertThat(merged).isGreaterThanOrEqualTo(a.status());
    assertThat(merged).isGreaterThanOrEqualTo(b.status());
  }

  @Property
  void status_never_goes_backwards_whatever_order_updates_arrive_in(@ForAll("updateLists") List<ReceiptState> updates) {
    ReceiptState state = ReceiptState.EMPTY;
    for (ReceiptState update : updates) {
      ReceiptState next = state.merge(update);
      assertThat(next.status()).isGreaterThanOrEqualTo(state.status());
      assertThat(next.covers(state)).isTrue();
      assertThat(next.covers(update)).isTrue();
      state = next;
    }
  }

  @Property
  void replicas_receiving_the_same_updates_in_any_order_converge(@ForAll("updateLists") List<ReceiptState> updates,
                                                                 @ForAll Random random) {
    ReceiptState expected = updates.stream().reduce(ReceiptState.EMPTY, ReceiptState::merge);
    for (int replica = 0; replica < 4; replica++) {
      // at-least-once delivery: every update arrives, some of them twice, in a random order
      List<ReceiptState> delivered = new ArrayList<>(updates);
      for (ReceiptState update : updates) {
        if (random.nextInt(4) == 0) {
          delivered.add(update);
        }
      }
      Collections.shuffle(delivered, random);
      ReceiptState state = ReceiptState.EMPTY;
      for (ReceiptState update : delivered) {
        state = state.merge(update);
      }
      assertThat(state).isEqualTo(expected);
      // and merging replica states pairwise in a random tree shape gives the same
      assertThat(mergeAsRandomTree(delivered, random)).isEqualTo(expected);
    }
  }

  @Property
  void covers_means_merge_changes_nothing(@ForAll("states") ReceiptState a, @ForAll("states") ReceiptState b) {
    assertThat(a.covers(b)).isEqualTo(a.merge(b).equals(a));
    assertThat(a.covers(a)).isTrue();
    assertThat(a.covers(ReceiptState.EMPTY)).isTrue();
  }

  @Property
  void json_round_trip(@ForAll("states") ReceiptState a) {
    assertThat(ReceiptState.fromJson(a.toJson())).isEqualTo(a);
    assertThat(ReceiptState.fromJson(new JsonObject(a.toJson().encode()))).isEqualTo(a);
  }

  // ---- examples ----------------------------------------------------------------------------------------------

  @Test
  void read_counts_as_delivered_and_sent() {
    assertThat(ReceiptState.read(5).status()).isEqualTo(ReceiptState.Status.read);
    assertThat(ReceiptState.delivered(3).status()).isEqualTo(ReceiptState.Status.delivered);
    assertThat(ReceiptState.sent(1).status()).isEqualTo(ReceiptState.Status.sent);
    assertThat(ReceiptState.EMPTY.status()).isEqualTo(ReceiptState.Status.none);
  }

  @Test
  void late_delivered_receipt_does_not_undo_read() {
    ReceiptState state = ReceiptState.sent(1).merge(ReceiptState.read(7)).merge(ReceiptState.delivered(4));
    assertThat(state.status()).isEqualTo(ReceiptState.Status.read);
    assertThat(state).isEqualTo(new ReceiptState(1, 4, 7));
  }

  @Test
  void should_reject_negative_timestamps() {
    assertThatThrownBy(() -> new ReceiptState(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReceiptState(0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReceiptState(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  static ReceiptState mergeAsRandomTree(List<ReceiptState> states, Random random) {
    List<ReceiptState> pool = new ArrayList<>(states);
    if (pool.isEmpty()) {
      return ReceiptState.EMPTY;
    }
    while (pool.size() > 1) {
      ReceiptState x = pool.remove(random.nextInt(pool.size()));
      ReceiptState y = pool.remove(random.nextInt(pool.size()));
      pool.add(random.nextBoolean() ? x.merge(y) : y.merge(x));
    }
    return pool.get(0);
  }
}
