package io.lattice.gateway;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * One client connection: its user, its outbound queue and its liveness.
 *
 * <p>Writes respect backpressure: while the transport's write queue is full, frames wait in a bounded queue and are
 * flushed from the drain handler. A client that stays too slow for {@code outboxLimit} frames is disconnected (close
 * 1008): it loses nothing, since everything is durable and it syncs on reconnect, while the node keeps its memory.
 *
 * <p>Threading: confined to the gateway verticle's event loop.
 */
final class Connection {
  static final short CLOSE_SLOW_CONSUMER = 1008;

  final long id;
  final String userId;
  private final ClientSocket socket;
  private final int outboxLimit;
  private final ArrayDeque<String> pending = new ArrayDeque<>();
  final Set<String> presenceSubscriptions = new HashSet<>();
  long lastSeenMillis;
  long lastTypingMillis;
  /** Whether a sync from a cursor (a resumed session) was counted for this connection. */
  boolean resumeCounted;
  private boolean closed;

  Connection(long id, String userId, ClientSocket socket, int outboxLimit, long nowMillis) {
    this.id = id;
    this.userId = userId;
    this.socket = socket;
    this.outboxLimit = outboxLimit;
    this.lastSeenMillis = nowMillis;
  }

  void write(String text) {
    if (closed) {
      return;
    }
    try {
      if (pending.isEmpty() && !socket.writeQueueFull()) {
        socket.writeText(text);
        return;
      }
      if (pending.size() >= outboxLimit) {
        close(CLOSE_SLOW_CONSUMER, "slow consumer");
        return;
      }
      boolean first = pending.isEmpty();
      pending.add(text);
      if (first) {
        socket.drainHandler(v -> flush());
      }
    } catch (IllegalStateException closedMeanwhile) {
      markClosed();
    }
  }

  /**
   * The peer may have closed the transport a moment before its close handler runs (a frame routed here meanwhile):
   * every call on the transport then throws, which is expected and cheap here (Vert.x's exception carries no stack
   * trace worth logging), and no frame is lost (the client syncs on reconnect).
   */
  private void flush() {
    try {
      while (!pending.isEmpty() && !socket.writeQueueFull() && !closed) {
        socket.writeText(pending.poll());
      }
      if (!pending.isEmpty() && !closed) {
        socket.drainHandler(v -> flush());
      }
    } catch (IllegalStateException closedMeanwhile) {
      markClosed();
    }
  }

  int pendingFrames() {
    return pending.size();
  }

  void close(short status, String reason) {
    if (!closed) {
      closed = true;
      pending.clear();
      socket.close(status, reason);
    }
  }

  /** Called when the transport closed, whoever closed it. */
  void markClosed() {
    closed = true;
    pending.clear();
  }

  boolean isClosed() {
    return closed;
  }
}
