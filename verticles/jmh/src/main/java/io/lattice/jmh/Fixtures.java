package io.lattice.jmh;

import io.lattice.model.Ids;
import io.lattice.model.Message;

import java.util.ArrayList;
import java.util.List;

/** Realistic inputs shared by the benchmarks; deterministic so runs compare. */
final class Fixtures {
  static final String[] REGIONS = {"us-east", "eu-west", "ap-northeast"};
  static final String SENDER = "alice";
  static final String CONVERSATION = Ids.directConversationId("alice", "bob");

  private Fixtures() {
  }

  /** A chat line of exactly {@code chars} characters: words, punctuation and one non-ASCII character. */
  static String content(int chars) {
    String words = "Shall we move the review to Thursday? The build is green on eu-west, caf\u00e9 at 10 works "
        + "for me, and the deck still needs the latency charts from yesterday's run. ";
    StringBuilder sb = new StringBuilder(chars);
    while (sb.length() < chars) {
      sb.append(words);
    }
    return sb.substring(0, chars);
  }

  /**
   * {@code count} messages of one conversation, round-robin over the three regions, as a multi-region conversation
   * stores them: per-region seq 1, 2, 3..., Lamport values interleaved and tied across regions (so the canonical
   * comparator also has to break ties on region), each region's run increasing in both seq and Lamport.
   */
  static List<Message> conversation(int count, int contentChars) {
    String content = content(contentChars);
    long[] seq = new long[REGIONS.length];
    List<Message> messages = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int r = i % REGIONS.length;
      String sender = "user-" + (i % 7);
      messages.add(new Message(Ids.messageId(sender, "c-" + i), CONVERSATION, sender, content, null,
          1_764_600_000_000L + i * 37L, i / 2 + 1, REGIONS[r], ++seq[r]));
    }
    return messages;
  }
}
