package io.lattice.store.embedded;

import io.lattice.store.embedded.PresenceRecord.Slot;
import io.lattice.store.embedded.SessionProcessors.SessionNodes;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A single-member test cluster runs entry processors locally without serialising them; a real cluster sends them,
 * and their results, between members. This checks they all survive Java serialisation, as Hazelcast uses it.
 */
class HazelcastValuesSerializationTest {

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(value);
      }
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        return (T) in.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new UncheckedIOException(new IOException(e));
    }
  }

  @Test
  void processorsAndResultsSurviveSerialization() {
    HashMap<String, Slot> slots = new HashMap<>(Map.of("eu-west", new Slot(2, 5, 1000)));
    List<Object> values = List.of(
        new SessionProcessors.Put("node-1", 10, 5), new SessionProcessors.Remove("node-1", 5),
        new SessionProcessors.Read(5),
        new PresenceProcessors.Report("us-east", "node-1", 2, 10, 5),
        new PresenceProcessors.Refresh("us-east", "node-1", 10, 5),
        new PresenceProcessors.RemoveNode("us-east", "node-1", 5),
        new PresenceProcessors.MergeRemote(slots, 5), new PresenceProcessors.Get(5), slots);
    for (Object value : values) {
      assertThat(roundTrip(value)).isEqualTo(value);
    }
  }

  /** Session entries are stored as text: any node ids (no line breaks) and expiries come back as written. */
  @Property(tries = 300)
  void sessionNodesSurviveTheirTextEncoding(
      @ForAll @Size(max = 5) Map<@From("nodeIds") String, @LongRange(min = Long.MIN_VALUE) Long> expiries) {
    SessionNodes nodes = new SessionNodes(expiries);
    assertThat(SessionNodes.decode(nodes.encode())).isEqualTo(nodes);
  }

  @Provide
  Arbitrary<String> nodeIds() {
    return Arbitraries.strings().ofMinLength(1).ofMaxLength(40).excludeChars('\n', '\r')
        .withCharRange(' ', '~').withChars("é漢");
  }

  @Test
  void anAbsentSessionEntryDecodesToNull() {
    assertThat(SessionNodes.decode(null)).isNull();
    assertThat(SessionNodes.decode("17 us-east-n1 with space").expiries()).isEqualTo(Map.of("us-east-n1 with space", 17L));
  }

  @Test
  void aPresenceRecordKeepsReportsAndSlots() {
    PresenceRecord record = new PresenceRecord();
    record.report("us-east", "node-1", 2, 10_000, 1_000);
    record.mergeRemote(Map.of("eu-west", new Slot(1, 3, 20_000)));

    PresenceRecord copy = roundTrip(record);
    assertThat(copy.slotsSnapshot()).isEqualTo(record.slotsSnapshot());
    // The node report came along too: removing the node changes the derived slot.
    assertThat(copy.removeNode("us-east", "node-1", 2_000)).isTrue();
    assertThat(copy.slotsSnapshot().get("us-east").count()).isZero();
  }
}
