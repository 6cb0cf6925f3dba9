package io.lattice.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A direct or group conversation. Participants are a set; the home region is where it was created. */
public record Conversation(String conversationId, Type type, Set<String> participants, String title,
                           String homeRegion, long createdAt) {

  public enum Type {
    direct, group
  }

  public Conversation {
    participants = Set.copyOf(participants);
  }

  public boolean hasParticipant(String userId) {
    return participants.contains(userId);
  }

  public Conversation withParticipants(Set<String> newParticipants) {
    return new Conversation(conversationId, type, newParticipants, title, homeRegion, createdAt);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("conversationId", conversationId)
        .put("type", type.name())
        .put("participants", new JsonArray(List.copyOf(new TreeSet<>(participants))))
        .put("title", title)
        .put("homeRegion", homeRegion)
        .put("createdAt", createdAt);
  }

  public static Conversation fromJson(JsonObject json) {
    Set<String> members = new TreeSet<>();
    json.getJsonArray("participants", new JsonArray()).forEach(m -> members.add((String) m));
    return new Conversation(json.getString("conversationId"), Type.valueOf(json.getString("type")), members,
        json.getString("title"), json.getString("homeRegion"), json.getLong("createdAt", 0L));
  }
}
