package io.lattice.jmh;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Canonical order over a batch of 1,000 messages of one conversation from three regions: a full sort with
 * {@link CanonicalOrder#MESSAGES}, and the sync page's k-way merge of the three per-region runs
 * ({@link MessageStore.SyncPage#merge}), which also advances the sync cursor past every message taken.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OrderingBenchmark extends BenchmarkDefaults {
  private static final int MESSAGES = 1_000;

  private List<Message> shuffled;
  private List<List<Message>> runs;

  @Setup
  public void setup() {
    List<Message> conversation = Fixtures.conversation(MESSAGES, 200);
    shuffled = new ArrayList<>(conversation);
    Collections.shuffle(shuffled, new Random(42));
    runs = new ArrayList<>();
    for (String region : Fixtures.REGIONS) {
      runs.add(conversation.stream().filter(m -> m.sourceRegion().equals(region)).toList());
    }
  }

  /** 1,000 messages arriving in random order sorted canonically (the copy of the list included). */
  @Benchmark
  public List<Message> sort1000() {
    List<Message> batch = new ArrayList<>(shuffled);
    batch.sort(CanonicalOrder.MESSAGES);
    return batch;
  }

  /** The whole 1,000 messages as one page (runs copied into fresh deques first: merge consumes them). */
  @Benchmark
  public MessageStore.SyncPage syncMerge1000() {
    return MessageStore.SyncPage.merge(freshRuns(), SyncCursor.START, MESSAGES);
  }

  /** A default-size sync page (100) from the same runs: the request a reconnecting client makes. */
  @Benchmark
  public MessageStore.SyncPage syncMerge100() {
    return MessageStore.SyncPage.merge(freshRuns(), SyncCursor.START, 100);
  }

  private List<Deque<Message>> freshRuns() {
    List<Deque<Message>> fresh = new ArrayList<>(runs.size());
    for (List<Message> run : runs) {
      fresh.add(new ArrayDeque<>(run));
    }
    return fresh;
  }
}
