package io.lattice.jmh;

import io.lattice.model.Ids;
import org.openjdk.jmh.annotations.Benchmark;


/** Deterministic id derivation (name-based UUIDs, MD5): once per send and per direct conversation lookup. */
public class IdsBenchmark extends BenchmarkDefaults {
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
