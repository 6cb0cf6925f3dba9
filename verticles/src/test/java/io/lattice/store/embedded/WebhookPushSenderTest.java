package io.lattice.store.embedded;

import io.lattice.notification.LoggingPushSender;
import io.lattice.notification.WebhookPushSender;
import io.lattice.store.PushSender;
import io.lattice.store.PushSenderContract;
import io.lattice.store.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link PushSenderContract} for the webhook sender, against a local HTTP server that answers what each test
 * scripts; plus what only the webhook does (its body, its exception, connection errors) and the logging sender.
 */
class WebhookPushSenderTest extends PushSenderContract {

  /** The one URL every notification goes to, whatever the "device". */
  private static final String URL_KEY = "webhook";

  private Vertx vertx;
  private final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  private final List<JsonObject> accepted = new CopyOnWriteArrayList<>();
  private int port;

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
    HttpServer server = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      JsonObject json = body.toJsonObject();
      bodies.add(json);
      int status = switch (nextAnswer(URL_KEY, attempt -> Answer.OK)) {
        case OK -> 200;
        case UNAVAILABLE -> 503;
        case TOO_MANY_REQUESTS -> 429;
        case REFUSED -> 400;
        case GONE -> 410;
      };
      if (status == 200) {
        accepted.add(json);
      }
      request.response().setStatusCode(status).end();
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

  @Override
  protected PushSender createSender(int maxAttempts) {
    return sender("http://127.0.0.1:" + port + "/push", maxAttempts);
  }

  @Override
  protected Vertx vertx() {
    return vertx;
  }

  @Override
  protected String endpointKey(String device) {
    return URL_KEY;
  }

  @Override
  protected boolean addressesDevices() {
    return false;
  }

  @Override
  protected void register(String userId, String device) {
    // One URL for every user: nothing to register.
  }

  @Override
  protected List<String> devicesOf(String userId) {
    return List.of();
  }

  @Override
  protected List<JsonObject> delivered() {
    return List.copyOf(accepted);
  }

  @Test
  void theBodyNamesTheUserAndEveryAttemptSendsTheSameOne() {
    script(URL_KEY, n -> n == 1 ? Answer.UNAVAILABLE : Answer.OK);
    await(createSender(3).send(NOTIFICATION));
    assertThat(bodies).hasSize(2).allMatch(bodies.get(0)::equals);
    assertThat(bodies.get(0).getString("userId")).isEqualTo("bob");
  }

  @Test
  void aClientErrorFailsWithItsStatus() {
    script(URL_KEY, n -> Answer.REFUSED);
    Throwable failure = awaitFailure(createSender(5).send(NOTIFICATION));
    assertThat(failure).isInstanceOf(WebhookPushSender.PushRejected.class);
    assertThat(((WebhookPushSender.PushRejected) failure).status()).isEqualTo(400);
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
    // Not a contract subclass: it reaches no endpoint, so there is nothing to retry, refuse or remove.
    await(new LoggingPushSender().send(NOTIFICATION));
  }
}
