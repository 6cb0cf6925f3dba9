package io.lattice.gateway;

import io.vertx.core.http.ServerWebSocket;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives an accepted server WebSocket the direct outbound write path that Vert.x gives HTTP connections in strict
 * thread mode, instead of its cross-thread MPSC queue.
 *
 * <p>Why: Vert.x 5.0.7 builds every {@code WebSocketConnectionImpl} without the server's {@code strictThreadMode}, so
 * each socket allocates a JCTools MPSC queue whose first chunk (1,024 slots) plus the queue object are ~4.9 KB of heap:
 * a third of an idle connection (docs/performance.md, idle connections). The queue only exists to hand writes made on
 * other threads to the event loop; the gateway writes to its sockets on its own event loop only, the same discipline
 * strict thread mode already demands of its HTTP responses. Swapping in Vert.x's own direct queue keeps
 * {@code writeQueueFull}/{@code drainHandler} intact: both then follow the channel's writability, as on a strict HTTP
 * connection.
 *
 * <p>This reaches into Vert.x internals (one private final field, one private inner class), so the lookup is done once
 * and checked: on any mismatch, as with another Vert.x version, it logs once and leaves sockets as Vert.x built them.
 * {@code DirectWebSocketWritesTest} fails on such a version, so an upgrade cannot silently lose the saving. Remove this
 * class once Vert.x passes {@code strictThreadMode} to WebSocket connections.
 *
 * <p>Threading: call on the socket's event loop, before anything is written to it.
 */
final class DirectWebSocketWrites {

  private static final Logger LOG = LoggerFactory.getLogger(DirectWebSocketWrites.class);
  private static final Swap SWAP = Swap.lookUp();

  private DirectWebSocketWrites() {
  }

  /** Whether this Vert.x version lets the swap happen at all. */
  static boolean available() {
    return SWAP != null;
  }

  /** Switches the socket to direct writes; false (and the socket unchanged) when not possible. */
  static boolean apply(ServerWebSocket ws) {
    if (SWAP == null) {
      return false;
    }
    try {
      Object connection = SWAP.connectionOf(ws);
      if (connection == null || !SWAP.queueField.getDeclaringClass().isInstance(connection)) {
        return false;
      }
      SWAP.queueField.set(connection, SWAP.directQueue.newInstance(connection));
      return true;
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      // e.g. a wrapped socket of another class: keep Vert.x's queue, it only costs memory
      return false;
    }
  }

  /** The name of the queue class a socket writes through (for the test and for diagnostics). */
  static String queueClassOf(ServerWebSocket ws) throws ReflectiveOperationException {
    if (SWAP == null) {
      return "unknown";
    }
    Object queue = SWAP.queueField.get(SWAP.connectionOf(ws));
    return queue == null ? "null" : queue.getClass().getName();
  }

  private record Swap(Field connectionOfSocket, Field queueField, Constructor<?> directQueue, Field webDelegate) {

    /** The socket's connection; vertx-web hands out routed upgrades wrapped in a {@code ServerWebSocketWrapper}. */
    Object connectionOf(ServerWebSocket ws) throws IllegalAccessException {
      Object socket = ws;
      if (webDelegate != null && webDelegate.getDeclaringClass().isInstance(socket)) {
        socket = webDelegate.get(socket);
      }
      return connectionOfSocket.getDeclaringClass().isInstance(socket) ? connectionOfSocket.get(socket) : null;
    }

    static Swap lookUp() {
      try {
        Class<?> socketBase = Class.forName("io.vertx.core.http.impl.WebSocketImplBase");
        Class<?> connectionClass = Class.forName("io.vertx.core.net.impl.VertxConnection");
        Class<?> direct = Class.forName("io.vertx.core.net.impl.VertxConnection$DirectOutboundMessageQueue");
        Field conn = socketBase.getDeclaredField("conn");
        Field queue = connectionClass.getDeclaredField("outboundMessageQueue");
        Constructor<?> ctor = direct.getDeclaredConstructor(connectionClass);
        if (!queue.getType().isAssignableFrom(direct) || !connectionClass.isAssignableFrom(conn.getType())) {
          throw new NoSuchFieldException("field types changed");
        }
        conn.setAccessible(true);
        queue.setAccessible(true);
        ctor.setAccessible(true);
        return new Swap(conn, queue, ctor, lookUpWebDelegate());
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.info("WebSockets keep Vert.x's outbound queue (~5 KB per connection): {}", e.toString());
        return null;
      }
    }

    private static Field lookUpWebDelegate() {
      try {
        Field delegate = Class.forName("io.vertx.ext.web.impl.ServerWebSocketWrapper").getDeclaredField("delegate");
        delegate.setAccessible(true);
        return delegate;
      } catch (ReflectiveOperationException | RuntimeException e) {
        LOG.info("routed WebSockets keep Vert.x's outbound queue: {}", e.toString());
        return null;
      }
    }
  }
}
