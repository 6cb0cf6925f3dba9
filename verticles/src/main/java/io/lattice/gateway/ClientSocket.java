package io.lattice.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/** The part of a client transport the gateway needs: WebSocket and SockJS look the same from here. */
interface ClientSocket {

  void writeText(String text);

  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  void close(short status, String reason);

  static ClientSocket of(ServerWebSocket ws) {
    return new ClientSocket() {
      @Override
      public void writeText(String text) {
        ws.writeTextMessage(text);
      }

      @Override
      public boolean writeQueueFull() {
        return ws.writeQueueFull();
      }

      @Override
      public void drainHandler(Handler<Void> handler) {
        ws.drainHandler(handler);
      }

      @Override
      public void close(short status, String reason) {
        ws.close(status, reason);
      }
    };
  }

  static ClientSocket of(SockJSSocket socket) {
    return new ClientSocket() {
      @Override
      public void writeText(String text) {
        socket.write(text);
      }

      @Override
      public boolean writeQueueFull() {
        return socket.writeQueueFull();
      }

      @Override
      public void drainHandler(Handler<Void> handler) {
        socket.drainHandler(handler);
      }

      @Override
      public void close(short status, String reason) {
        socket.close(status, reason);
      }
    };
  }
}
