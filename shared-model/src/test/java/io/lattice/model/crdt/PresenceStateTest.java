package io.lattice.model.crdt;

import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The presence CRDT: per-region slots, last-writer-wins on the slot version, expiring on their own. */
class PresenceStateTest {

  static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-south", "sa-east");
  static final long NOW = 10_000;

  // ---- arbitraries -------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<String> regions() {
    return Arbitraries.of(REGIONS);
  }

  /** Small ranges on purpose: versions, counts and expiries tie often, which is where LWW merges go wrong. */
  static Arbitrary<PresenceSlot> slots(long minVersion, long maxVersion) {
    return Combinators.combine(
        Arbitraries.longs().between(0, 4),
        Arbitraries.longs().between(minVersion, maxVersion),
        Arbitraries.of(0L, NOW - 1, NOW, NOW + 1, NOW + 5_000, Long.MAX_VALUE)
    ).as(PresenceSlot::new);
  }

  static Arbitrary<PresenceState> states(long minVersion, long maxVersion) {
    return Arbitraries.maps(Arbitraries.of(REGIONS), slots(minVersion, maxVersion)).ofMaxSize(REGIONS.size())
        .map(PresenceState::new);
  }

  @Provide
  Arbitrary<PresenceSlot> slots() {
    return slots(0, 6);
  }

  @Provide
  Arbitrary<PresenceState> states() {
    return states(0, 6);
  }

  @Provide
  Arbitrary<List<PresenceState>> stateLists() {
    return states().list().ofMaxSize(12);
  }

  @Provide
  Arbitrary<Long> nows() {
    return Arbitraries.of(0L, NOW - 1, NOW, NOW + 1, NOW + 4_999, NOW + 5_000, Long.MAX_VALUE - 1);
  }

  // ---- CRDT laws ---------------------------------------------------------------------------------------------

  @Property
  void merge_is_commutative(@ForAll("states") PresenceState a, @ForAll("states") PresenceState b) {
    assertThat(a.merge(b)).isEqualTo(b.merge(a));
  }

  @Property
  void merge_is_associative(@ForAll("states") PresenceState a, @ForAll("states") PresenceState b,
                            @ForAll("states") PresenceState c) {
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
  }

  @Property
  void merge_is_idempotent(@ForAll("states") PresenceState a, @ForAll("states") PresenceState b) {
    assertThat(a.merge(a)).isEqualTo(a);
    // merging twice doesn't dupe
    assertThat(a.merge(b).merge(b)).isEqualTo(a.merge(b));
    assertThat(a.merge(b).merge(a)).isEqualTo(a.merge(b));
  }

  @Property
  void empty_is_the_identity_of_merge(@ForAll("states") PresenceState a) {
    assertThat(a.merge(PresenceState.EMPTY)).isEqualTo(a);
    assertThat(PresenceState.EMPTY.merge(a)).isEqualTo(a);
  }

  @Property
  void merge_keeps_every_region_at_its_highest_version(@ForAll("states") PresenceState a,
                                                       @ForAll("states") PresenceState b) {
    PresenceState merged = a.merge(b);
    assertThat(merged.slots().keySet())
        .containsExactlyInAnyOrderElementsOf(union(a.slots().keySet(), b.slots().keySet()));
    merged.slots().forEach((region, slot) -> {
      PresenceSlot fromA = a.slots().get(region);
      PresenceSlot fromB = b.slots().get(region);
      assertThat(slot).isIn(nonNull(fromA, fromB));
      if (fromA != null) {
        assertThat(slot.version()).isGreaterThanOrEqualTo(fromA.version());
      }
      if (fromB != null) {
        assertThat(slot.version()).isGreaterThanOrEqualTo(fromB.version());
      }
    });
  }

  @Property
  void replicas_receiving_the_same_updates_in_any_order_converge(@ForAll("stateLists") List<PresenceState> updates,
                                                                 @ForAll Random random) {
    PresenceState expected = updates.stream().reduce(PresenceState.EMPTY, PresenceState::merge);
    for (int replica = 0; replica < 4; replica++) {
      List<PresenceState> delivered = new ArrayList<>(updates);
      for (PresenceState update : updates) {
        if (random.nextInt(4) == 0) {
          delivered.add(update); // redelivery
        }
      }
      Collections.shuffle(delivered, random);
      PresenceState state = PresenceState.EMPTY;
      for (PresenceState update : delivered) {
        state = state.merge(update);
      }
      assertThat(state).isEqualTo(expected);
      assertThat(mergeAsRandomTree(delivered, random)).isEqualTo(expected);
    }
  }

  @Property
  void replicas_applying_slot_writes_in_any_order_converge(@ForAll Random random) {
    // Updates as the presence verticle writes them: withSlot(region, slot), one writer per region with rising
    // versions, gossiped to replicas in arbitrary order.
    List<Map.Entry<String, PresenceSlot>> writes = new ArrayList<>();
    for (String region : REGIONS) {
      long version = random.nextInt(3);
      int n = random.nextInt(5);
      for (int i = 0; i < n; i++) {
        version += 1 + random.nextInt(3);
        writes.add(Map.entry(region, new PresenceSlot(random.nextInt(4), version, NOW + random.nextInt(3) - 1)));
      }
    }
    PresenceState reference = null;
    for (int replica = 0; replica < 4; replica++) {
      List<Map.Entry<String, PresenceSlot>> order = new ArrayList<>(writes);
      Collections.shuffle(order, random);
      PresenceState state = PresenceState.EMPTY;
      for (Map.Entry<String, PresenceSlot> write : order) {
        state = state.withSlot(write.getKey(), write.getValue());
      }
      if (reference == null) {
        reference = state;
      }
      assertThat(state).isEqualTo(reference);
      assertThat(state.liveCount(NOW)).isEqualTo(reference.liveCount(NOW));
    }
  }

  // ---- the G-Counter bug: decrements must survive merges --------------------------------------------------------

  @Test
  void decrement_survives_merge_with_older_state() {
    PresenceState twoDevices = PresenceState.of("us-east", new PresenceSlot(2, 1, NOW + 30_000));
    PresenceState oneDisconnected = twoDevices.withSlot("us-east", new PresenceSlot(1, 2, NOW + 30_000));

    assertThat(oneDisconnected.merge(twoDevices).liveCount(NOW)).isEqualTo(1);
    assertThat(twoDevices.merge(oneDisconnected).liveCount(NOW)).isEqualTo(1);
  }

  @Test
  void last_disconnect_goes_offline_even_if_an_older_copy_says_online() {
    PresenceState online = PresenceState.of("eu-west", new PresenceSlot(2, 5, NOW + 30_000));
    PresenceState offline = online.withSlot("eu-west", new PresenceSlot(0, 6, NOW + 30_000));

    assertThat(online.merge(offline).online(NOW)).isFalse();
    assertThat(offline.merge(online).online(NOW)).isFalse();
    assertThat(offline.merge(online).merge(online).online(NOW)).isFalse();
  }

  @Provide
  Arbitrary<List<PresenceState>> staleStates() {
    return states(0, 6).list().ofMaxSize(8);
  }

  @Property
  void newer_decrement_from_owning_region_survives_any_merge_order(
      @ForAll("regions") String owner,
      @ForAll @LongRange(min = 1, max = 10) long oldCount,
      @ForAll @LongRange(min = 0, max = 6) long oldVersion,
      @ForAll @LongRange(min = 1, max = 5) long versionBump,
      @ForAll @LongRange(min = 1, max = 10) long decrement,
      @ForAll("staleStates") List<PresenceState> others,
      @ForAll Random random) {
    long newCount = Math.max(0, oldCount - decrement);
    PresenceSlot oldSlot = new PresenceSlot(oldCount, oldVersion, NOW + 30_000);
    // Every other copy around has versions <= 6, so the owner's write at version >= 7 is the newest for its slot.
    PresenceSlot newSlot = new PresenceSlot(newCount, 6 + versionBump, NOW + 30_000);

    PresenceState before = PresenceState.of(owner, oldSlot);
    PresenceState after = before.withSlot(owner, newSlot);

    List<PresenceState> everything = new ArrayList<>(others);
    everything.add(before);
    everything.add(before); // several replicas still hold the old count
    everything.add(after);
    for (int attempt = 0; attempt < 3; attempt++) {
      Collections.shuffle(everything, random);
      PresenceState folded = PresenceState.EMPTY;
      for (PresenceState s : everything) {
        folded = folded.merge(s);
      }
      assertThat(folded.slots().get(owner)).isEqualTo(newSlot);
      assertThat(mergeAsRandomTree(everything, random).slots().get(owner)).isEqualTo(newSlot);

      long othersLive = others.stream().reduce(PresenceState.EMPTY, PresenceState::merge).slots().entrySet().stream()
          .filter(e -> !e.getKey().equals(owner))
          .mapToLong(e -> e.getValue().liveCount(NOW)).sum();
      assertThat(folded.liveCount(NOW)).isEqualTo(newCount + othersLive);
    }
  }

  // ---- expiry and liveness --------------------------------------------------------------------------------------

  @Property
  void expired_slot_contributes_nothing_to_live_count(@ForAll("states") PresenceState others,
                                                     @ForAll("regions") String region,
                                                     @ForAll @LongRange(min = 0, max = 100) long count,
                                                     @ForAll @LongRange(min = 0, max = 100) long version,
                                                     @ForAll @LongRange(min = 0, max = 1_000_000) long expiresAt,
                                                     @ForAll @LongRange(min = 0, max = 1_000_000) long elapsed) {
    Map<String, PresenceSlot> withoutRegion = new HashMap<>(others.slots());
    withoutRegion.remove(region);
    PresenceState rest = new PresenceState(withoutRegion);
    Map<String, PresenceSlot> withRegion = new HashMap<>(withoutRegion);
    withRegion.put(region, new PresenceSlot(count, version, expiresAt));
    PresenceState state = new PresenceState(withRegion);
    long now = expiresAt + elapsed; // at or after expiry

    assertThat(state.slots().get(region).liveCount(now)).isZero();
    assertThat(state.liveCount(now)).isEqualTo(rest.liveCount(now));
    assertThat(state.online(now)).isEqualTo(rest.online(now));
    assertThat(state.liveRegions(now)).doesNotContainKey(region).isEqualTo(rest.liveRegions(now));
  }

  @Property
  void online_iff_sum_of_live_counts_is_positive(@ForAll("states") PresenceState state, @ForAll("nows") long now) {
    long expected = 0;
    Map<String, Long> expectedRegions = new TreeMap<>();
    for (Map.Entry<String, PresenceSlot> e : state.slots().entrySet()) {
      PresenceSlot slot = e.getValue();
      if (now < slot.expiresAt()) {
        expected += slot.count();
        if (slot.count() > 0) {
          expectedRegions.put(e.getKey(), slot.count());
        }
      }
    }
    assertThat(state.liveCount(now)).isEqualTo(expected);
    assertThat(state.online(now)).isEqualTo(expected > 0);
    assertThat(state.liveRegions(now)).isEqualTo(expectedRegions);
    assertThat(state.liveRegions(now).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
  }

  @Test
  void slot_is_live_until_just_before_its_expiry() {
    PresenceSlot slot = new PresenceSlot(3, 1, NOW);
    assertThat(slot.liveCount(NOW - 1)).isEqualTo(3);
    assertThat(slot.liveCount(NOW)).isZero();
    assertThat(slot.liveCount(NOW + 1)).isZero();
  }

  @Test
  void silent_region_fades_out_without_anyone_writing_to_it() {
    PresenceState state = PresenceState.of("us-east", new PresenceSlot(1, 1, NOW + 1_000))
        .withSlot("eu-west", new PresenceSlot(2, 1, NOW + 60_000));
    assertThat(state.liveRegions(NOW)).containsExactlyInAnyOrderEntriesOf(Map.of("us-east", 1L, "eu-west", 2L));
    assertThat(state.liveRegions(NOW + 1_000)).containsExactlyInAnyOrderEntriesOf(Map.of("eu-west", 2L));
    assertThat(state.online(NOW + 60_000)).isFalse();
  }

  @Test
  void should_reject_negative_connection_count() {
    assertThatThrownBy(() -> new PresenceSlot(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void json_round_trip(@ForAll("states") PresenceState state) {
    assertThat(PresenceState.fromJson(state.toJson())).isEqualTo(state);
    assertThat(PresenceState.fromJson(new JsonObject(state.toJson().encode()))).isEqualTo(state);
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  static PresenceState mergeAsRandomTree(List<PresenceState> states, Random random) {
    List<PresenceState> pool = new ArrayList<>(states);
    if (pool.isEmpty()) {
      return PresenceState.EMPTY;
    }
    while (pool.size() > 1) {
      PresenceState x = pool.remove(random.nextInt(pool.size()));
      PresenceState y = pool.remove(random.nextInt(pool.size()));
      pool.add(random.nextBoolean() ? x.merge(y) : y.merge(x));
    }
    return pool.get(0);
  }

  private static <T> List<T> union(Set<T> a, Set<T> b) {
    Set<T> all = new HashSet<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  private static List<PresenceSlot> nonNull(PresenceSlot a, PresenceSlot b) {
    List<PresenceSlot> out = new ArrayList<>();
    if (a != null) {
      out.add(a);
    }
    if (b != null) {
      out.add(b);
    }
    return out;
  }
}
