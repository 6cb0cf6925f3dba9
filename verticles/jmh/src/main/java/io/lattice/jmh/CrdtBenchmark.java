package io.lattice.jmh;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.crdt.ReceiptState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The CRDT merges applied to every receipt and presence update, local or replicated from another region. */
public class CrdtBenchmark extends BenchmarkDefaults {
  private static final int RECEIPTS = 500; // FrameParser.MAX_RECEIPT_IDS: the largest receipt batch

  private ReceiptState stored;
  private ReceiptState update;
  private ReceiptState[] storedBatch;
  private ReceiptState[] updateBatch;
  private PresenceState local;
  private PresenceState remote;
  private PresenceSlot ownWrite;

  @Setup
  public void setup() {
    stored = new ReceiptState(1041, 1043, 0);
    update = new ReceiptState(0, 1042, 1050);
    storedBatch = new ReceiptState[RECEIPTS];
    updateBatch = new ReceiptState[RECEIPTS];
    for (int i = 0; i < RECEIPTS; i++) {
      long sent = 1000 + i;
      storedBatch[i] = i % 3 == 0 ? ReceiptState.sent(sent) : new ReceiptState(sent, sent + 2, 0);
      updateBatch[i] = i % 2 == 0 ? ReceiptState.read(sent + 9) : ReceiptState.delivered(sent + 1);
    }
    long now = 1_764_600_000_000L;
    // A user online in three regions; the remote copy has a newer slot for two of them and an older one for one.
    local = new PresenceState(Map.of(
        "us-east", new PresenceSlot(2, 17, now + 30_000),
        "eu-west", new PresenceSlot(1, 5, now + 25_000),
        "ap-northeast", new PresenceSlot(1, 9, now + 20_000)));
    remote = new PresenceState(Map.of(
        "us-east", new PresenceSlot(1, 18, now + 31_000),
        "eu-west", new PresenceSlot(0, 6, now + 26_000),
        "ap-northeast", new PresenceSlot(1, 8, now + 10_000)));
    ownWrite = new PresenceSlot(3, 19, now + 32_000);
  }

  /** One receipt merge: max per field of (sentAt, deliveredAt, readAt). */
  @Benchmark
  public ReceiptState receiptMerge() {
    return stored.merge(update);
  }

  /** A batch of 500 receipt merges (a read receipt for the largest allowed batch), each checked with covers(). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void receiptMergeBatch500(Blackhole bh) {
    for (int i = 0; i < RECEIPTS; i++) {
      ReceiptState merged = storedBatch[i].merge(updateBatch[i]);
      bh.consume(merged);
      bh.consume(storedBatch[i].covers(updateBatch[i]));
    }
  }

  /** Two three-region presence states merged slot by slot (last writer wins on version). */
  @Benchmark
  public PresenceState presenceMerge() {
    return local.merge(remote);
  }

  /** A region writing its own slot (a device connects): withSlot, a merge with a one-slot state. */
  @Benchmark
  public PresenceState presenceWithSlot() {
    return local.withSlot("us-east", ownWrite);
  }
}
