package io.lattice.bridge;

import io.lattice.store.TestVertx;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A live forward that cannot reach the destination's cluster (a cut WAN link) fails its future, and only that. */
class LiveForwarderTest {
  private final Vertx vertx = TestVertx.create();

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  @Test
  void a_failed_forward_fails_its_future_without_an_unhandled_exception() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    vertx.exceptionHandler(unhandled::add);
    Context context = vertx.getOrCreateContext();
    LiveForwarder live = new LiveForwarder(vertx, "us-east", Map.of("eu-west", "127.0.0.1:" + closedPort),
        Map.of("max.block.ms", "300"), Clock.systemUTC());
    var envelope = new ReplicationRecords.LiveEnvelope("eu-west", "us-east", List.of("bob"), null, List.of(),
        new JsonArray().add(new JsonObject().put("type", "typing")));

    Promise<AsyncResult<Void>> outcome = Promise.promise();
    context.runOnContext(v -> live.forward(envelope).onComplete(ar -> outcome.complete(ar)));
    assertThat(await(outcome.future()).failed()).isTrue();
    // Anything the client reports to the context was queued before the future failed: one more turn sees it.
    Promise<Void> turn = Promise.promise();
    context.runOnContext(v -> turn.complete());
    await(turn.future());
    assertThat(unhandled).isEmpty();
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> live.close().onComplete(ar -> closed.complete()));
    await(closed.future());
  }
}
