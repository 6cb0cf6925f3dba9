package io.lattice.jmh;

import io.lattice.model.Ids;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Deterministic id derivation (name-based UUIDs, MD5): once per send and per direct conversation lookup. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdsBenchmark {
  private String sender = "alice.martin@example.org";
  private String clientMsgId = "c-7f3a9b21-5e0c-4d8e-9a61-0b2f3c4d5e6f";
  private String other = "bob.nakamura@example.org";

  @Benchmark
  public String messageId() {
    return Ids.messageId(sender, clientMsgId);
  }

  @Benchmark
  public String directConversationId() {
    return Ids.directConversationId(other, sender);
  }
}
