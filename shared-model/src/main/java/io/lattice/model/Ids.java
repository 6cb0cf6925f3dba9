package io.lattice.model;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Deterministic identifiers. Ids derived from names are what make retries and cross-region creation converge:
 * the same inputs give the same id in every region, on every node, after every restart.
 */
public final class Ids {
  private Ids() {
  }

  /** The same pair of users always gets the same direct conversation, whoever creates it and wherever. */
  public static String directConversationId(String userA, String userB) {
    List<String> pair = userA.compareTo(userB) <= 0 ? List.of(userA, userB) : List.of(userB, userA);
    // Length-prefixed so ("ab","c") and ("a","bc") cannot collide.
    return "d-" + nameUuid("direct:" + pair.get(0).length() + ":" + pair.get(0) + pair.get(1));
  }

  /** A retried send (same sender, same clientMsgId) is the same message everywhere. */
  public static String messageId(String senderId, String clientMsgId) {
    return "m-" + nameUuid("message:" + senderId.length() + ":" + senderId + clientMsgId);
  }

  /** Group conversations get a random id: two groups with the same members are different groups. */
  public static String newGroupId() {
    return "g-" + UUID.randomUUID();
  }

  private static UUID nameUuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}
