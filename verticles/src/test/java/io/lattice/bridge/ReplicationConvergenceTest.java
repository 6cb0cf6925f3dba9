package io.lattice.bridge;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRDT laws through the wire: what three regions publish (receipt batches and presence slots, encoded as the
 * Kafka records the bridge reads) converges in every replica whatever the interleaving, duplication (at-least-once
 * redelivery) and reordering (different partitions, a replayed batch after a restart) of the records.
 */
class ReplicationConvergenceTest {
  private static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-northeast");

  /** One record a region published, as the bridge receives it: a JSON string on a topic. */
  private record Wire(String topic, String value) {
  }

  @Property(tries = 300)
  void replicas_applying_the_same_records_in_any_order_with_duplicates_converge(
      @ForAll("histories") List<Wire> published, @ForAll Random random) {
    Replica first = new Replica();
    Replica second = new Replica();
    Replica truth = new Replica();
    published.forEach(truth::apply);
    first.applyAll(shuffledWithDuplicates(published, random));
    second.applyAll(shuffledWithDuplicates(published, random));
    assertThat(first.receipts).isEqualTo(truth.receipts);
    assertThat(second.receipts).isEqualTo(truth.receipts);
    assertThat(first.presence).isEqualTo(truth.presence);
    assertThat(second.presence).isEqualTo(truth.presence);
  }

  @Property(tries = 200)
  void a_region_slot_ends_at_its_latest_write_whatever_the_delivery_order(
      @ForAll("slotWrites") List<PresenceSlot> writes, @ForAll Random random) {
    List<Wire> records = new ArrayList<>();
    for (PresenceSlot slot : writes) {
      records.add(wire(ReplicationRecords.presence("bob", "eu-west", slot)));
    }
    Replica replica = new Replica();
    replica.applyAll(shuffledWithDuplicates(records, random));
    PresenceSlot latest = writes.get(writes.size() - 1);
    assertThat(replica.presence.get("bob").slots().get("eu-west")).isEqualTo(latest);
  }

  /** Applies records as {@link RecordApplier} does: decode, then merge into the state. */
  private static final class Replica {
    final Map<ReceiptKey, ReceiptState> receipts = new HashMap<>();
    final Map<String, PresenceState> presence = new HashMap<>();

    void applyAll(List<Wire> records) {
      records.forEach(this::apply);
    }

    void apply(Wire record) {
      JsonObject value = new JsonObject(record.value());
      if (record.topic().equals(io.lattice.model.Topics.DELIVERY_RECEIPT)) {
        for (ReceiptUpdate u : ReplicationRecords.decodeReceipts(value).updates()) {
          receipts.merge(u.key(), u.state(), ReceiptState::merge);
        }
      } else {
        ReplicationRecords.PresenceUpdate update = ReplicationRecords.decodePresence(value);
        presence.merge(update.userId(), update.state(), PresenceState::merge);
      }
    }
  }

  private static List<Wire> shuffledWithDuplicates(List<Wire> records, Random random) {
    List<Wire> delivered = new ArrayList<>(records);
    for (Wire w : records) {
      if (random.nextInt(3) == 0) {
        delivered.add(w);
      }
    }
    Collections.shuffle(delivered, random);
    return delivered;
  }

  private static Wire wire(ReplicationRecords.Outgoing out) {
    return new Wire(out.topic(), out.value().encode());
  }

  @Provide
  Arbitrary<List<Wire>> histories() {
    Arbitrary<Wire> receipt = Combinators.combine(Arbitraries.of(REGIONS), Arbitraries.integers().between(0, 4),
        Arbitraries.of("bob", "carol"), Arbitraries.longs().between(0, 50), Arbitraries.longs().between(0, 50),
        Arbitraries.longs().between(0, 50)).as((region, m, recipient, sent, delivered, read) ->
        wire(ReplicationRecords.receipts(List.of(ReplicationRecords.ReceiptNotice.of(new ReceiptUpdate(
            new ReceiptKey("m-" + m, recipient), new ReceiptState(sent, delivered, read)))), region)));
    Arbitrary<Wire> slot = Combinators.combine(Arbitraries.of(REGIONS), Arbitraries.of("bob", "carol"),
        Arbitraries.longs().between(0, 3), Arbitraries.longs().between(1, 20), Arbitraries.longs().between(0, 100))
        .as((region, user, count, version, expiry) ->
            wire(ReplicationRecords.presence(user, region, new PresenceSlot(count, version, expiry))));
    return Arbitraries.oneOf(receipt, slot).list().ofMinSize(1).ofMaxSize(40);
  }

  /** One region's own writes of one user's slot: versions strictly increasing, as the owning region writes them. */
  @Provide
  Arbitrary<List<PresenceSlot>> slotWrites() {
    return Combinators.combine(Arbitraries.longs().between(0, 5), Arbitraries.longs().between(0, 1000))
        .as((count, expiry) -> new long[] {count, expiry}).list().ofMinSize(1).ofMaxSize(20).map(pairs -> {
          List<PresenceSlot> slots = new ArrayList<>();
          for (int i = 0; i < pairs.size(); i++) {
            slots.add(new PresenceSlot(pairs.get(i)[0], i + 1, pairs.get(i)[1]));
          }
          return slots;
        });
  }
}
