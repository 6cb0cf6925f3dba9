package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.notification.LoggingPushSender;
import io.lattice.notification.WebhookPushSender;
import io.lattice.store.BlobStore;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.lattice.store.PresenceStore;
import io.lattice.store.PushSender;
import io.lattice.store.ReceiptStore;
import io.lattice.store.SessionDirectory;
import io.lattice.store.embedded.FileBlobStore;
import io.lattice.store.embedded.HazelcastPresenceStore;
import io.lattice.store.embedded.HazelcastSessionDirectory;
import io.lattice.store.embedded.SqliteConversationStore;
import io.lattice.store.embedded.SqliteDatabase;
import io.lattice.store.embedded.SqliteMessageStore;
import io.lattice.store.embedded.SqliteReceiptStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The node's adapters behind the ports, chosen by configuration. Today: the embedded defaults (one SQLite file per
 * region shared by its nodes, Hazelcast maps, the local filesystem, a logging or webhook push sender). The Redis,
 * Cassandra and S3 adapters plug in here behind the same ports.
 */
record Stores(MessageStore messages, ConversationStore conversations, ReceiptStore receipts,
              SessionDirectory sessions, PresenceStore presence, BlobStore blobs, PushSender push,
              SqliteDatabase database) {

  static Future<Stores> open(Vertx vertx, JsonObject conf, HazelcastInstance hazelcast, Clock clock) {
    JsonObject storage = conf.getJsonObject("storage", new JsonObject());
    Path dir = Path.of(storage.getString("dir", "data/" + conf.getString("region", "region")));
    // Creating the directory and the Hazelcast map proxies may block (disk, cluster): both off the event loop.
    return vertx.executeBlocking(() -> {
      java.nio.file.Files.createDirectories(dir);
      return new HazelcastStores(new HazelcastSessionDirectory(vertx, hazelcast, clock),
          new HazelcastPresenceStore(vertx, hazelcast, clock));
    }).compose(hz -> SqliteDatabase.open(vertx, dir.resolve("lattice.db")).map(db -> {
      JsonObject presence = conf.getJsonObject("presence", new JsonObject());
      Duration retention = Duration.ofDays(presence.getLong("receiptRetentionDays", 7L));
      return new Stores(new SqliteMessageStore(db), new SqliteConversationStore(db),
          new SqliteReceiptStore(db, retention, clock), hz.sessions(), hz.presence(),
          blobStore(vertx, conf.getJsonObject("media", new JsonObject()), dir, clock),
          pushSender(vertx, conf.getJsonObject("notification", new JsonObject())), db);
    }));
  }

  private record HazelcastStores(SessionDirectory sessions, PresenceStore presence) {
  }

  private static BlobStore blobStore(Vertx vertx, JsonObject media, Path storageDir, Clock clock) {
    Path dir = Path.of(media.getString("dir", storageDir.resolve("media").toString()));
    List<String> types = media.getJsonArray("allowedTypes", new JsonArray().add("image/png").add("image/jpeg"))
        .stream().map(Object::toString).toList();
    return new FileBlobStore(vertx, dir, media.getString("secret"), types, media.getLong("maxBytes", 10L << 20),
        clock);
  }

  private static PushSender pushSender(Vertx vertx, JsonObject notification) {
    if ("webhook".equals(notification.getString("sender"))) {
      JsonObject webhook = notification.getJsonObject("webhook", new JsonObject());
      return new WebhookPushSender(vertx, webhook.getString("url"), webhook.getInteger("maxAttempts", 5),
          webhook.getLong("backoffMs", 200L));
    }
    return new LoggingPushSender();
  }

  Future<Void> close() {
    return Future.join(messages.close(), conversations.close(), receipts.close()).compose(v -> database.close())
        .mapEmpty();
  }
}
