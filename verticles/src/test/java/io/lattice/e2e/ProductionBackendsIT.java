package io.lattice.e2e;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.lattice.testinfra.CassandraNodes;
import io.lattice.testinfra.RedisServers;
import io.lattice.testinfra.S3Server;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lattice.e2e.support.TestClient.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A region of two node processes on the production adapters, each against its real server started here: messages and
 * conversations in Cassandra, receipts, sessions and presence in Redis, media in an S3-compatible store (S3Proxy).
 * The same wire protocol as on the embedded defaults: send, ack, deliver across nodes, receipts, presence, media
 * through presigned URLs, history that survives killing every node, and one send-rate bucket per user for the
 * whole region (in Redis) rather than one per node.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProductionBackendsIT extends RegionTestBase {
  private static S3Server s3;

  @BeforeAll
  static void startRegion() throws Exception {
    String redis = RedisServers.standalone();
    CassandraNodes cassandra = CassandraNodes.cluster(1);
    s3 = S3Server.start();
    region = RegionCluster.builder().name("ProductionBackendsIT").nodes(2)
        .env("BACKENDS__MESSAGES", "cassandra")
        .env("BACKENDS__RECEIPTS", "redis")
        .env("BACKENDS__SESSIONS", "redis")
        .env("BACKENDS__PRESENCE", "redis")
        .env("BACKENDS__RATE_LIMITS", "redis")
        // A slow refill makes the shared bucket visible: a burst of 12, then 2 sends per second per user.
        .rateLimit(2, 12)
        .env("REDIS__ENDPOINTS", new JsonArray().add(redis).encode())
        .env("REDIS__KEY_PREFIX", "it" + System.nanoTime() + ":")
        .env("CASSANDRA__CONTACT_POINTS", new JsonArray().add(cassandra.contactPoint(1)).encode())
        .env("CASSANDRA__LOCAL_DATACENTER", CassandraNodes.datacenter(1))
        .env("CASSANDRA__KEYSPACE", "lattice_it_" + Long.toHexString(System.nanoTime()))
        .env("CASSANDRA__REPLICATION", new JsonObject().put(CassandraNodes.datacenter(1), 1).encode())
        .env("MEDIA__BACKEND", "s3")
        .env("MEDIA__S3__ENDPOINT", s3.endpoint())
        .env("MEDIA__S3__REGION", "us-east-1")
        .env("MEDIA__S3__BUCKET", "lattice-it")
        .env("MEDIA__S3__PATH_STYLE", true)
        .env("MEDIA__S3__ACCESS_KEY_ID", S3Server.ACCESS_KEY)
        .env("MEDIA__S3__SECRET_ACCESS_KEY", S3Server.SECRET_KEY)
        .env("MEDIA__S3__CREATE_BUCKET", true)
        .readyTimeout(java.time.Duration.ofSeconds(120))
        .start();
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void messagesReceiptsAndPresenceWorkAcrossNodesOnTheProductionAdapters() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(0, alice);
    TestClient b = connect(1, bob);
    String conversation = a.createDirect(bob);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject ack = a.sendAndAwaitAck(conversation, "hello " + i);
      ids.add(ack.getString("messageId"));
    }
    List<JsonObject> delivered = b.awaitCount(Frames.type("message"), 5);
    assertThat(delivered).extracting(f -> f.getJsonObject("message").getString("messageId"))
        .containsExactlyElementsOf(ids);

    b.receipt(conversation, "read", ids.toArray(String[]::new));
    for (String id : ids) {
      a.await(Frames.of("read receipt of " + id, f -> "receipt".equals(f.getString("type"))
          && id.equals(f.getString("messageId")) && f.getLong("readAt", 0L) > 0));
    }
    JsonObject stored = a.receipts(ids.get(0));
    assertThat(stored.getJsonObject("receipts").getJsonObject(bob).getLong("readAt")).isPositive();
    assertThat(a.presence(bob).getBoolean("online")).isTrue();
  }

  @Test
  void mediaGoesThroughPresignedUrlsOfTheObjectStore() throws Exception {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(0, alice);
    TestClient b = connect(1, bob);
    String conversation = a.createDirect(bob);
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3, 4};
    TestClient.HttpResult grant = a.http("POST", "/api/media",
        new JsonObject().put("contentType", "image/png").put("size", png.length));
    assertThat(grant.status()).as(grant.toString()).isEqualTo(200);
    String uploadUrl = grant.json().getString("uploadUrl");
    String mediaUrl = grant.json().getString("mediaUrl");
    assertThat(uploadUrl).startsWith(s3.endpoint());
    assertThat(mediaUrl).startsWith("/media/");

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(uploadUrl))
        .header("Content-Type", "image/png").PUT(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

    a.send(TestClient.sendFrame(conversation, TestClient.newClientMsgId(), null).put("mediaUrl", mediaUrl));
    JsonObject message = b.await(Frames.type("message")).getJsonObject("message");
    assertThat(message.getString("mediaUrl")).isEqualTo(mediaUrl);

    // The gateway redirects to a short-lived presigned GET; following it returns the bytes uploaded.
    HttpResponse<byte[]> download = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build()
        .send(HttpRequest.newBuilder(URI.create(region.httpUrl(1) + mediaUrl + "?token=" + b.token())).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo(png);
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(region.httpUrl(1) + mediaUrl))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(403);
  }

  @Test
  void historyOutlivesEveryNodeBecauseItIsInCassandra() {
    String alice = uniqueUser("alice");
    String bob = uniqueUser("bob");
    TestClient a = connect(0, alice);
    String conversation = a.createDirect(bob);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(a.sendAndAwaitAck(conversation, "kept " + i).getString("messageId"));
    }
    a.close();
    region.kill(0);
    region.kill(1);
    region.restart(0);
    region.restart(1);
    TestClient b = connect(1, bob);
    assertThat(b.syncAll(conversation, null, 100).messageIds()).containsExactlyElementsOf(ids);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(b.fullHistory(conversation, 4)).extracting(m -> m.getString("messageId"))
        .containsExactlyElementsOf(newestFirst);
  }

  @Test
  void aUserOnTwoNodesSharesOneSendBucket() {
    String alice = uniqueUser("alice");
    TestClient phone = connect(0, alice);
    TestClient laptop = connect(1, alice);
    String conversation = phone.createDirect(uniqueUser("bob"));
    List<String> clientMsgIds = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String onPhone = TestClient.newClientMsgId();
      String onLaptop = TestClient.newClientMsgId();
      clientMsgIds.add(onPhone);
      clientMsgIds.add(onLaptop);
      phone.sendMessage(conversation, onPhone, "phone " + i);
      laptop.sendMessage(conversation, onLaptop, "laptop " + i);
    }
    int acked = 0;
    int limited = 0;
    for (int i = 0; i < clientMsgIds.size(); i++) {
      TestClient device = i % 2 == 0 ? phone : laptop;
      JsonObject outcome = device.await(Frames.outcome(clientMsgIds.get(i)));
      if ("ack".equals(outcome.getString("type"))) {
        acked++;
      } else {
        assertThat(outcome.getString("code")).isEqualTo("rate_limited");
        limited++;
      }
    }
    // Per-node buckets (burst 12 each) would have acked all 20; the shared one stops near 12 plus a refill or two.
    assertThat(acked).isBetween(12, 15);
    assertThat(limited).isEqualTo(20 - acked);
  }
}
