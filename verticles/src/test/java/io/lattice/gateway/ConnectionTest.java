package io.lattice.gateway;

import io.vertx.core.Handler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionTest {

  /** A transport whose write queue the test fills and drains by hand. */
  static final class FakeSocket implements ClientSocket {
    final List<String> written = new ArrayList<>();
    boolean full;
    Handler<Void> drain;
    Short closedWith;
    boolean closedByPeer;

    @Override
    public void writeText(String text) {
      if (closedByPeer) {
        throw new IllegalStateException("WebSocket is closed");
      }
      written.add(text);
    }

    @Override
    public boolean writeQueueFull() {
      if (closedByPeer) {
        throw new IllegalStateException("WebSocket is closed"); // as Vert.x's checkClosed does
      }
      return full;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
      if (closedByPeer) {
        throw new IllegalStateException("WebSocket is closed");
      }
      drain = handler;
    }

    @Override
    public void close(short status, String reason) {
      closedWith = status;
    }

    void drainNow() {
      full = false;
      Handler<Void> h = drain;
      drain = null;
      h.handle(null);
    }
  }

  @Test
  void should_write_straight_through_while_the_transport_keeps_up() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 10, 0);
    connection.write("a");
    connection.write("b");
    assertThat(socket.written).containsExactly("a", "b");
    assertThat(socket.drain).isNull();
  }

  @Test
  void should_hold_frames_while_the_queue_is_full_and_flush_them_in_order_on_drain() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 10, 0);
    connection.write("a");
    socket.full = true;
    connection.write("b");
    connection.write("c");
    assertThat(socket.written).containsExactly("a");
    assertThat(connection.pendingFrames()).isEqualTo(2);

    socket.drainNow();
    assertThat(socket.written).containsExactly("a", "b", "c");
    assertThat(connection.pendingFrames()).isZero();
  }

  @Test
  void should_keep_order_when_new_frames_arrive_before_the_backlog_is_flushed() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 10, 0);
    socket.full = true;
    connection.write("a");
    socket.full = false;
    connection.write("b");
    assertThat(socket.written).as("b must not overtake a").isEmpty();
    socket.drainNow();
    assertThat(socket.written).containsExactly("a", "b");
  }

  @Test
  void should_disconnect_a_client_that_stays_too_slow_instead_of_buffering_without_bound() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 3, 0);
    socket.full = true;
    for (int i = 0; i < 4; i++) {
      connection.write("f" + i);
    }
    assertThat(socket.closedWith).isEqualTo(Connection.CLOSE_SLOW_CONSUMER);
    assertThat(connection.isClosed()).isTrue();
    connection.write("after");
    assertThat(socket.written).isEmpty();
  }

  @Test
  void should_treat_a_write_to_a_transport_the_peer_just_closed_as_closed_not_as_an_error() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 10, 0);
    socket.closedByPeer = true;

    connection.write("a");
    connection.write("b");

    assertThat(connection.isClosed()).isTrue();
    assertThat(socket.written).isEmpty();
  }

  @Test
  void should_drop_the_backlog_when_the_peer_closes_while_frames_wait_for_a_drain() {
    FakeSocket socket = new FakeSocket();
    Connection connection = new Connection(1, "alice", socket, 10, 0);
    socket.full = true;
    connection.write("a");
    connection.write("b");
    socket.closedByPeer = true;

    socket.full = false;
    Handler<Void> h = socket.drain;
    h.handle(null);

    assertThat(connection.isClosed()).isTrue();
    assertThat(connection.pendingFrames()).isZero();
    assertThat(socket.written).isEmpty();
  }
}
