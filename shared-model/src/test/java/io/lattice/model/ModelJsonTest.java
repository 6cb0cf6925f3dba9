package io.lattice.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Message and Conversation JSON: what goes over the event bus, into storage and out to clients. */
class ModelJsonTest {

  @Provide
  Arbitrary<Message> messages() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(30);
    Arbitrary<Long> anyLong = Arbitraries.oneOf(Arbitraries.longs().between(0, 1_000), Arbitraries.longs());
    Arbitrary<String> mediaUrl = Arbitraries.strings().ofMaxLength(20).map(s -> "/media/" + s).injectNull(0.5);
    return Combinators.combine(
        Combinators.combine(text, text, text, text).as(List::of),
        mediaUrl,
        Combinators.combine(anyLong, anyLong, anyLong).as(List::of),
        Arbitraries.of("us-east", "eu-west", "ap-south"))
        .as((strings, media, longs, region) -> new Message(strings.get(0), strings.get(1), strings.get(2),
            strings.get(3), media, longs.get(0), longs.get(1), region, longs.get(2)));
  }

  @Provide
  Arbitrary<Conversation> conversations() {
    return Combinators.combine(
        Arbitraries.strings().ofMaxLength(20),
        Arbitraries.of(Conversation.Type.class),
        Arbitraries.strings().ofMaxLength(10).set().ofMaxSize(8),
        Arbitraries.strings().ofMaxLength(20).injectNull(0.3),
        Arbitraries.of("us-east", "eu-west"),
        Arbitraries.longs().between(0, Long.MAX_VALUE)
    ).as(Conversation::new);
  }

  // ---- Message --------------------------------------------------------------------------------------------------

  @Property
  void message_json_round_trip(@ForAll("messages") Message message) {
    assertThat(Message.fromJson(message.toJson())).isEqualTo(message);
  }

  @Property
  void message_json_round_trip_through_text(@ForAll("messages") Message message) {
    assertThat(Message.fromJson(new JsonObject(message.toJson().encode()))).isEqualTo(message);
  }

  @Test
  void message_json_has_the_protocol_field_names() {
    Message m = new Message("m-1", "d-1", "alice", "hi", "/media/k", 1_700_000_000_000L, 42, "us-east", 7);
    assertThat(m.toJson().fieldNames()).containsExactlyInAnyOrder("messageId", "conversationId", "senderId",
        "content", "mediaUrl", "createdAt", "lamport", "sourceRegion", "seq");
    assertThat(m.toJson().getLong("createdAt")).isEqualTo(1_700_000_000_000L);
    assertThat(m.toJson().getString("mediaUrl")).isEqualTo("/media/k");
  }

  @Test
  void message_without_media_keeps_media_url_null() {
    Message m = new Message("m-1", "d-1", "alice", "hi", null, 1, 2, "us-east", 3);
    JsonObject json = new JsonObject(m.toJson().encode());
    assertThat(json.containsKey("mediaUrl")).isTrue();
    assertThat(json.getValue("mediaUrl")).isNull();
    assertThat(Message.fromJson(json)).isEqualTo(m);
  }

  // ---- Conversation ------------------------------------------------------------------------------------------

  @Property
  void conversation_json_round_trip(@ForAll("conversations") Conversation conversation) {
    assertThat(Conversation.fromJson(conversation.toJson())).isEqualTo(conversation);
    assertThat(Conversation.fromJson(new JsonObject(conversation.toJson().encode()))).isEqualTo(conversation);
  }

  @Property
  void conversation_json_lists_participants_sorted(@ForAll("conversations") Conversation conversation) {
    List<String> listed = conversation.toJson().getJsonArray("participants").stream().map(String.class::cast)
        .toList();
    assertThat(listed).isSorted().doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(conversation.participants());
  }

  @Test
  void conversation_json_has_the_protocol_field_names() {
    Conversation c = new Conversation("g-1", Conversation.Type.group, Set.of("bob", "alice"), "team", "eu-west", 5);
    JsonObject json = c.toJson();
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("conversationId", "type", "participants", "title",
        "homeRegion", "createdAt");
    assertThat(json.getString("type")).isEqualTo("group");
    assertThat(json.getJsonArray("participants")).isEqualTo(new JsonArray().add("alice").add("bob"));
  }

  @Test
  void conversation_participants_are_an_immutable_copy() {
    Set<String> members = new HashSet<>(Set.of("alice", "bob"));
    Conversation c = new Conversation("d-1", Conversation.Type.direct, members, null, "us-east", 1);
    members.add("mallory");
    assertThat(c.participants()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(c.hasParticipant("mallory")).isFalse();
    assertThatThrownBy(() -> c.participants().add("eve")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void with_participants_keeps_everything_else() {
    Conversation c = new Conversation("g-1", Conversation.Type.group, Set.of("alice"), "t", "us-east", 9);
    Conversation grown = c.withParticipants(Set.of("alice", "bob"));
    assertThat(grown).isEqualTo(new Conversation("g-1", Conversation.Type.group, Set.of("alice", "bob"), "t",
        "us-east", 9));
    assertThat(c.participants()).containsExactly("alice");
  }
}
