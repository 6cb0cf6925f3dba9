package io.lattice.store.embedded;

import io.lattice.notification.LoggingPushSender;
import io.lattice.notification.WebhookPushSender;
import io.lattice.store.PushSender.PushNotification;
import io.lattice.store.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** The push senders against a local HTTP server that answers what each test scripts. */
@ExtendWith(VertxExtension.class)
class WebhookPushSenderTest {

  private static final PushNotification NOTIFICATION =
      new PushNotification("bob", "d-1", "m-1", "alice", "x".repeat(500));

  private Vertx vertx;
  private final AtomicInteger attempts = new AtomicInteger();
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private volatile IntUnaryOperator statusForAttempt = n -> 200;
  private int port;

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      int attempt = attempts.incrementAndGet();
      bodies.add(body.toJsonObject());
      request.response().setStatusCode(statusForAttempt.applyAsInt(attempt)).end();
    })).listen(0, "127.0.0.1"));
    port = server.actualPort();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private WebhookPushSender sender(String url, int maxAttempts) {
    return new WebhookPushSender(vertx, url, maxAttempts, Duration.ofMillis(10), Duration.ofMillis(50),
        Duration.ofSeconds(5));
  }

  @Test
  void retriesServerErrorsWithBackoffThenSucceeds(VertxTestContext testContext) {
    statusForAttempt = n -> n <= 2 ? 503 : 200;
    WebhookPushSender sender = sender("http://127.0.0.1:" + port + "/push", 5);
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> sender.send(NOTIFICATION).onComplete(testContext.succeeding(ok -> testContext.verify(
        () -> {
          assertThat(Vertx.currentContext()).isSameAs(context);
          assertThat(attempts.get()).isEqualTo(3);
          JsonObject body = bodies.get(2);
          assertThat(body.getString("userId")).isEqualTo("bob");
          assertThat(body.getString("conversationId")).isEqualTo("d-1");
          assertThat(body.getString("messageId")).isEqualTo("m-1");
          assertThat(body.getString("senderId")).isEqualTo("alice");
          assertThat(body.getString("preview")).startsWith("xxx").hasSizeLessThan(500);
          assertThat(bodies).allMatch(body::equals); // every attempt sends the same notification
          testContext.completeNow();
        }))));
  }

  @Test
  void tooManyRequestsIsRetriedToo() {
    statusForAttempt = n -> n == 1 ? 429 : 204;
    await(sender("http://127.0.0.1:" + port + "/push", 3).send(NOTIFICATION));
    assertThat(attempts.get()).isEqualTo(2);
  }

  @Test
  void aClientErrorIsFinal() {
    statusForAttempt = n -> 400;
    Throwable failure = awaitFailure(sender("http://127.0.0.1:" + port + "/push", 5).send(NOTIFICATION));
    assertThat(failure).isInstanceOf(WebhookPushSender.PushRejected.class);
    assertThat(((WebhookPushSender.PushRejected) failure).status()).isEqualTo(400);
    assertThat(attempts.get()).isEqualTo(1);
  }

  @Test
  void givesUpAfterMaxAttempts() {
    statusForAttempt = n -> 500;
    assertThat(awaitFailure(sender("http://127.0.0.1:" + port + "/push", 3).send(NOTIFICATION)))
        .isInstanceOf(WebhookPushSender.PushRejected.class);
    assertThat(attempts.get()).isEqualTo(3);
  }

  @Test
  void connectionErrorsAreRetriedUntilGivenUp() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Throwable failure = awaitFailure(sender("http://127.0.0.1:" + closedPort + "/push", 2).send(NOTIFICATION));
    assertThat(failure).isNotInstanceOf(WebhookPushSender.PushRejected.class);
  }

  @Test
  void theLoggingSenderSucceeds() {
    await(new LoggingPushSender().send(NOTIFICATION));
  }
}
