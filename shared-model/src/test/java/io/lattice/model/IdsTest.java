package io.lattice.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class IdsTest {

  /**
   * Short names over a tiny alphabet that includes ':' and digits, so concatenations and length prefixes collide
   * often if the encoding is ambiguous ("ab"+"c" vs "a"+"bc", "1:a" vs ...).
   */
  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("ab:1").ofMinLength(0).ofMaxLength(4),
        Arbitraries.strings().ofMinLength(0).ofMaxLength(12));
  }

  // ---- direct conversations --------------------------------------------------------------------------------

  @Property
  void direct_conversation_id_is_symmetric(@ForAll("names") String a, @ForAll("names") String b) {
    assertThat(Ids.directConversationId(a, b)).isEqualTo(Ids.directConversationId(b, a));
  }

  @Property
  void direct_conversation_id_is_deterministic(@ForAll("names") String a, @ForAll("names") String b) {
    assertThat(Ids.directConversationId(a, b)).isEqualTo(Ids.directConversationId(new String(a), new String(b)));
  }

  @Property
  void different_pairs_get_different_direct_conversations(@ForAll("names") String a, @ForAll("names") String b,
                                                          @ForAll("names") String c, @ForAll("names") String d) {
    boolean samePair = a.equals(c) && b.equals(d) || a.equals(d) && b.equals(c);
    if (!samePair) {
      assertThat(Ids.directConversationId(a, b)).isNotEqualTo(Ids.directConversationId(c, d));
    }
  }

  @Test
  void concatenation_lookalikes_do_not_collide() {
    assertThat(Ids.directConversationId("ab", "c")).isNotEqualTo(Ids.directConversationId("a", "bc"));
    assertThat(Ids.directConversationId("a", "bc")).isNotEqualTo(Ids.directConversationId("", "abc"));
    assertThat(Ids.directConversationId("1:a", "b")).isNotEqualTo(Ids.directConversationId("1", ":ab"));
    assertThat(Ids.directConversationId("a:", "b")).isNotEqualTo(Ids.directConversationId("a", ":b"));
    assertThat(Ids.directConversationId("ab", "ab")).isNotEqualTo(Ids.directConversationId("a", "bab"));
  }

  @Test
  void direct_conversation_id_has_the_documented_shape_and_is_stable_across_releases() {
    String id = Ids.directConversationId("alice", "bob");
    assertThat(id).startsWith("d-");
    assertThat(UUID.fromString(id.substring(2)).version()).isEqualTo(3); // name-based
    // Golden value: ids are persisted and must not change between releases or regions.
    assertThat(id).isEqualTo("d-24ecb2c7-7eaf-39a2-9e0f-fde387d529bd");
    assertThat(Ids.directConversationId("bob", "alice")).isEqualTo(id);
  }

  @Test
  void conversation_with_oneself_is_well_defined() {
    assertThat(Ids.directConversationId("alice", "alice")).startsWith("d-")
        .isEqualTo(Ids.directConversationId("alice", "alice"))
        .isNotEqualTo(Ids.directConversationId("alice", "bob"));
  }

  // ---- message ids -----------------------------------------------------------------------------------------

  @Property
  void message_id_is_deterministic(@ForAll("names") String sender, @ForAll("names") String clientMsgId) {
    assertThat(Ids.messageId(sender, clientMsgId)).isEqualTo(Ids.messageId(new String(sender), new String(clientMsgId)))
        .startsWith("m-");
  }

  @Property
  void different_senders_with_the_same_client_msg_id_get_different_messages(
      @ForAll("names") String senderA, @ForAll("names") String senderB, @ForAll("names") String clientMsgId) {
    if (!senderA.equals(senderB)) {
      assertThat(Ids.messageId(senderA, clientMsgId)).isNotEqualTo(Ids.messageId(senderB, clientMsgId));
    }
  }

  @Property
  void different_sender_and_client_msg_id_pairs_get_different_messages(
      @ForAll("names") String s1, @ForAll("names") String c1, @ForAll("names") String s2, @ForAll("names") String c2) {
    if (!(s1.equals(s2) && c1.equals(c2))) {
      assertThat(Ids.messageId(s1, c1)).isNotEqualTo(Ids.messageId(s2, c2));
    }
  }

  @Test
  void message_id_lookalikes_do_not_collide() {
    assertThat(Ids.messageId("ab", "c")).isNotEqualTo(Ids.messageId("a", "bc"));
    assertThat(Ids.messageId("alice", "1")).isNotEqualTo(Ids.messageId("alice1", ""));
    // a message id is not a direct conversation id for the same strings
    assertThat(Ids.messageId("alice", "bob")).isNotEqualTo(Ids.directConversationId("alice", "bob"));
  }

  @Test
  void message_id_has_the_documented_shape_and_is_stable_across_releases() {
    String id = Ids.messageId("alice", "c-1");
    assertThat(UUID.fromString(id.substring(2)).version()).isEqualTo(3);
    assertThat(id).isEqualTo("m-45e9e460-8f26-34d9-a520-62ef371c0fa3");
  }

  @Test
  void retried_send_is_the_same_message() {
    assertThat(Ids.messageId("alice", "c-1")).isEqualTo(Ids.messageId("alice", "c-1"));
    assertThat(Ids.messageId("alice", "c-1")).isNotEqualTo(Ids.messageId("alice", "c-2"));
  }

  // ---- groups ---------------------------------------------------------------------------------------------------

  @Test
  void group_ids_are_random_and_prefixed() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String id = Ids.newGroupId();
      assertThat(id).startsWith("g-");
      UUID.fromString(id.substring(2));
      assertThat(seen.add(id)).as("group id %s repeated", id).isTrue();
    }
  }
}
