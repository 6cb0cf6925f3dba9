package io.lattice.message;

import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Live delivery of a conversation's new messages, in persistence order, batched: while one routing request of a
 * conversation is in flight, its next messages wait and then go together in one request. Order is kept (one request
 * per conversation at a time) without making throughput 1 / routing latency: under load batches grow instead of the
 * queue.
 *
 * <p>Not thread-safe: owned by {@link MessageVerticle} and used on its event loop.
 */
final class DeliveryQueue {
  static final int MAX_BATCH = 100;

  private final BiFunction<Conversation, List<Message>, Future<Void>> route;
  private final Map<String, Pending> pending = new HashMap<>();

  private static final class Pending {
    final ArrayDeque<Entry> queue = new ArrayDeque<>();
    boolean inFlight;
  }

  private record Entry(Conversation conversation, Message message) {
  }

  DeliveryQueue(BiFunction<Conversation, List<Message>, Future<Void>> route) {
    this.route = route;
  }

  void add(Conversation conversation, Message message) {
    Pending p = pending.computeIfAbsent(conversation.conversationId(), id -> new Pending());
    p.queue.add(new Entry(conversation, message));
    if (!p.inFlight) {
      flush(conversation.conversationId(), p);
    }
  }

  /** One batch: consecutive messages with the same participants (a membership change starts a new batch). */
  private void flush(String conversationId, Pending p) {
    Conversation conversation = p.queue.peek().conversation();
    List<Message> batch = new ArrayList<>();
    while (!p.queue.isEmpty() && batch.size() < MAX_BATCH
        && p.queue.peek().conversation().participants().equals(conversation.participants())) {
      batch.add(p.queue.poll().message());
    }
    p.inFlight = true;
    route.apply(conversation, batch).onComplete(ar -> {
      p.inFlight = false;
      if (!p.queue.isEmpty()) {
        flush(conversationId, p);
      } else {
        pending.remove(conversationId);
      }
    });
  }

  boolean idle() {
    return pending.isEmpty();
  }
}
