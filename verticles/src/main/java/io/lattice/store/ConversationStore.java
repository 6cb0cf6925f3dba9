package io.lattice.store;

import io.lattice.model.Conversation;
import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Durable conversations and their participants.
 *
 * <p>Contract: {@link #create} is idempotent by conversationId (creating an existing conversation returns the
 * stored one unchanged, which makes direct conversations converge); membership changes are atomic per conversation;
 * futures complete on the caller's context and never block an event loop.
 */
public interface ConversationStore {

  Future<Conversation> create(Conversation conversation);

  Future<Optional<Conversation>> get(String conversationId);

  /** The user's conversations, most recently created first. */
  Future<List<Conversation>> listForUser(String userId, int limit);

  /** Adds then removes participants atomically; fails with NoSuchElementException if there is no such conversation. */
  Future<Conversation> updateMembers(String conversationId, Set<String> add, Set<String> remove);

  Future<Void> close();
}
