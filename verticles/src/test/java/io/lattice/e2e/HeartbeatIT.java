package io.lattice.e2e;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The heartbeat contract with heartbeatSeconds = 1: a client silent for 2 x heartbeat is closed with 1001
 * "heartbeat timeout" and its presence goes offline; a client that keeps sending frames stays connected.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HeartbeatIT extends RegionTestBase {
  private static final int HEARTBEAT_SECONDS = 1;
  private static final int N1 = 0;
  private static final int N2 = 1;

  @BeforeAll
  static void startRegion() {
    region = RegionCluster.builder().name("HeartbeatIT").nodes(2).heartbeatSeconds(HEARTBEAT_SECONDS).start();
  }

  @Test
  void aSilentClientIsClosedAndGoesOffline() {
    String watcher = uniqueUser("watcher");
    String silentUser = uniqueUser("silent");
    TestClient observer = connect(N2, watcher).startAutoPing(Duration.ofMillis(300));
    assertThat(observer.ready().getInteger("heartbeatSeconds")).isEqualTo(HEARTBEAT_SECONDS);

    TestClient silent = connect(N1, silentUser);
    observer.subscribePresence(silentUser);
    observer.await(Frames.presence(silentUser, true));

    TestClient.CloseInfo close = silent.awaitClose(Duration.ofSeconds(2L * HEARTBEAT_SECONDS + 4));
    long silentMs = TimeUnit.NANOSECONDS.toMillis(close.atNanos() - silent.readyAtNanos());
    assertThat(close.statusCode()).as("%s after %d ms", close, silentMs).isEqualTo(1001);
    assertThat(close.reason()).isEqualTo("heartbeat timeout");
    assertThat(silentMs).as("closed after %d ms of silence", silentMs)
        .isGreaterThanOrEqualTo(2000L * HEARTBEAT_SECONDS - 500)
        .isLessThanOrEqualTo(2000L * HEARTBEAT_SECONDS + 3000);

    JsonObject offline = observer.await(Frames.presence(silentUser, false), Duration.ofSeconds(10));
    assertThat(offline.getString("userId")).isEqualTo(silentUser);
    assertThat(observer.presence(silentUser).getBoolean("online")).isFalse();
    // The pinging observer was not affected.
    assertThat(observer.isOpen()).isTrue();
    observer.pingPong();
  }

  @Test
  void aPingingClientStaysConnected() {
    TestClient pinger = connect(N1, uniqueUser("pinger")).startAutoPing(Duration.ofMillis(400));
    pinger.assertStaysOpen(Duration.ofSeconds(4L * HEARTBEAT_SECONDS + 1));
    pinger.stopAutoPing();
    pinger.pingPong();
  }

  @Test
  void anyFrameCountsAsActivity() {
    String user = uniqueUser("chatty");
    TestClient chatty = connect(N2, user);
    JsonObject subscribe = new JsonObject().put("type", "subscribe_presence").put("userIds", new JsonArray().add(user));
    // Keeps the connection alive with presence subscriptions only, never a ping.
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      timer.scheduleAtFixedRate(() -> chatty.trySend(subscribe), 0, 400, TimeUnit.MILLISECONDS);
      chatty.assertStaysOpen(Duration.ofSeconds(4L * HEARTBEAT_SECONDS + 1));
    } finally {
      timer.shutdownNow();
    }
    chatty.pingPong();
  }
}
