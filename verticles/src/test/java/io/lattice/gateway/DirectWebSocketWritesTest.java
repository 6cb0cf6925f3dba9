package io.lattice.gateway;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.store.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The swap of a server WebSocket's outbound queue for Vert.x's direct one, against the pinned Vert.x: it must
 * happen (the saving is ~5 KB per idle connection) and backpressure must keep working through it.
 */
class DirectWebSocketWritesTest {

  private static final int FRAME_BYTES = 8 * 1024;
  private static final int MAX_FRAMES = 5_000; // a bound on the write loop: 40 MB, far past any socket buffer

  private Vertx vertx;
  private final Promise<ServerWebSocket> accepted = Promise.promise();
  private final Promise<Boolean> swapped = Promise.promise();
  private volatile Context socketContext;
  private int port;

  @BeforeEach
  void startServer() {
    vertx = TestVertx.create();
    HttpServer server = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setStrictThreadMode(true))
        .requestHandler(router())
        .listen());
    port = server.actualPort();
  }

  /** Upgrades as the gateway does: through a vertx-web route, after the request was routed. */
  private Router router() {
    Router router = Router.router(vertx);
    router.get("/ws").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> {
      socketContext = Vertx.currentContext();
      swapped.complete(DirectWebSocketWrites.apply(ws));
      accepted.complete(ws);
    }));
    return router;
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void should_swap_in_the_direct_queue_on_the_pinned_vertx() throws Exception {
    assertThat(DirectWebSocketWrites.available()).isTrue();
    connect();
    assertThat(await(swapped.future())).isTrue();
    assertThat(DirectWebSocketWrites.queueClassOf(await(accepted.future())))
        .endsWith("VertxConnection$DirectOutboundMessageQueue");
  }

  @Test
  void should_report_a_full_queue_and_drain_it_when_the_peer_reads_again() {
    List<String> received = new CopyOnWriteArrayList<>();
    WebSocket client = connect();
    Promise<Void> last = Promise.promise();
    client.textMessageHandler(text -> {
      received.add(text);
      if (text.equals("after-drain")) {
        last.complete();
      }
    });
    client.pause();
    ServerWebSocket ws = await(accepted.future());
    assertThat(await(swapped.future())).isTrue();

    Promise<Integer> full = Promise.promise();
    Promise<Void> drained = Promise.promise();
    runOnSocketLoop(ws, () -> {
      int written = 0;
      while (!ws.writeQueueFull() && written < MAX_FRAMES) {
        ws.writeTextMessage(frame(written++));
      }
      full.complete(written);
      ws.drainHandler(d -> drained.complete());
    });
    int writtenBeforeFull = await(full.future());
    assertThat(writtenBeforeFull).as("frames written before the queue reported full").isLessThan(MAX_FRAMES);

    client.resume();
    await(drained.future());
    runOnSocketLoop(ws, () -> ws.writeTextMessage("after-drain"));
    await(last.future());
    assertThat(received).hasSize(writtenBeforeFull + 1);
    for (int i = 0; i < writtenBeforeFull; i++) {
      assertThat(received.get(i)).startsWith(i + "|");
    }
    assertThat(received.get(writtenBeforeFull)).isEqualTo("after-drain");
  }

  private WebSocket connect() {
    WebSocketClient client = vertx.createWebSocketClient();
    return await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws")));
  }

  /** Server sockets are written on their own event loop only (the premise of the swap). */
  private void runOnSocketLoop(ServerWebSocket ws, Runnable action) {
    Promise<Void> done = Promise.promise();
    socketContext.runOnContext(v -> {
      action.run();
      done.complete();
    });
    await(done.future());
  }

  private static String frame(int index) {
    StringBuilder sb = new StringBuilder(FRAME_BYTES).append(index).append('|');
    while (sb.length() < FRAME_BYTES) {
      sb.append('x');
    }
    return sb.toString();
  }
}
