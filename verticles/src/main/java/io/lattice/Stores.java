package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.notification.DeviceCodec;
import io.lattice.notification.FcmPushSender;
import io.lattice.notification.HazelcastPushDevices;
import io.lattice.notification.PushRegistry;
import io.lattice.notification.LoggingPushSender;
import io.lattice.notification.WebPushSender;
import io.lattice.notification.WebhookPushSender;
import io.lattice.store.BlobStore;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.lattice.store.PresenceStore;
import io.lattice.store.PushSender;
import io.lattice.store.ReceiptStore;
import io.lattice.store.SessionDirectory;
import io.lattice.store.embedded.FileBlobStore;
import io.lattice.store.cassandra.CassandraStores;
import io.lattice.store.redis.RedisStores;
import io.lattice.store.s3.S3BlobStore;
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
 * The node's adapters behind the ports, chosen by configuration: the embedded defaults (one SQLite file per region
 * shared by its nodes, Hazelcast maps, the local filesystem, a logging or webhook push sender) or the production
 * ones ({@code backends}: Cassandra for messages and conversations, Redis for receipts, sessions, presence and
 * push devices; {@code media.backend: s3}; {@code notification.sender: fcm | webpush}). The SQLite file is opened
 * in every case (it is small and keeps the embedded receipt store available).
 */
record Stores(MessageStore messages, ConversationStore conversations, ReceiptStore receipts,
              SessionDirectory sessions, PresenceStore presence, BlobStore blobs, PushSender push,
              PushRegistry devices, SqliteDatabase database, RedisStores redis, String rateLimitBackend) {

  static Future<Stores> open(Vertx vertx, JsonObject conf, HazelcastInstance hazelcast, Clock clock) {
    JsonObject storage = conf.getJsonObject("storage", new JsonObject());
    Path dir = Path.of(storage.getString("dir", "data/" + conf.getString("region", "region")));
    JsonObject presence = conf.getJsonObject("presence", new JsonObject());
    Duration retention = Duration.ofDays(presence.getLong("receiptRetentionDays", 7L));
    // Redis first: the push senders are built with the devices they address, which may live there.
    Future<RedisStores> redis = usesRedis(conf)
        ? RedisStores.open(vertx, conf.getJsonObject("redis", new JsonObject()), retention, clock)
        : Future.succeededFuture();
    // Creating the directory and the Hazelcast map proxies may block (disk, cluster), as may reading credentials
    // files and building SDK clients: all off the event loop.
    return redis.compose(r -> vertx.executeBlocking(() -> {
      java.nio.file.Files.createDirectories(dir);
      PushRegistry devices = "redis".equals(backend(conf, "pushDevices", "hazelcast"))
          ? new PushRegistry(r.pushDevices(vertx, DeviceCodec.FCM), r.pushDevices(vertx, DeviceCodec.WEB_PUSH))
          : new PushRegistry(new HazelcastPushDevices<>(vertx, hazelcast, DeviceCodec.FCM),
              new HazelcastPushDevices<>(vertx, hazelcast, DeviceCodec.WEB_PUSH));
      return new Blocking(new HazelcastSessionDirectory(vertx, hazelcast, clock),
          new HazelcastPresenceStore(vertx, hazelcast, clock),
          blobStore(vertx, conf.getJsonObject("media", new JsonObject()), dir, clock),
          pushSender(vertx, conf.getJsonObject("notification", new JsonObject()), devices), devices);
    })).compose(built -> (built.blobs() instanceof S3BlobStore s3 ? s3.checkBucket() : Future.<Void>succeededFuture())
        .map(built))
        .compose(built -> SqliteDatabase.open(vertx, dir.resolve("lattice.db")).compose(db -> {
      Future<History> history = "cassandra".equals(backend(conf, "messages", "sqlite"))
          ? CassandraStores.open(vertx, conf.getJsonObject("cassandra"))
              .map(c -> new History(c.messages(), c.conversations()))
          : Future.succeededFuture(new History(new SqliteMessageStore(db), new SqliteConversationStore(db)));
      return history.map(h -> {
        RedisStores r = redis.result();
        return new Stores(h.messages(), h.conversations(),
            "redis".equals(backend(conf, "receipts", "sqlite")) ? r.receipts()
                : new SqliteReceiptStore(db, retention, clock),
            "redis".equals(backend(conf, "sessions", "hazelcast")) ? r.sessions() : built.sessions(),
            "redis".equals(backend(conf, "presence", "hazelcast")) ? r.presence() : built.presence(),
            built.blobs(), built.push(), built.devices(), db, r, backend(conf, "rateLimits", "node"));
      });
    }));
  }

  private record History(MessageStore messages, ConversationStore conversations) {
  }

  /** Region-wide send buckets ({@code backends.rateLimits: redis}), or null: the gateway's per-node buckets. */
  io.lattice.store.RateLimiter rateLimiter() {
    return redis != null && "redis".equals(rateLimitBackend) ? redis.rateLimiter() : null;
  }

  private static boolean usesRedis(JsonObject conf) {
    return java.util.stream.Stream.of("receipts", "sessions", "presence", "rateLimits", "pushDevices")
        .anyMatch(port -> "redis".equals(backend(conf, port, "")));
  }

  /**
   * The adapter chosen for a port: {@code backends.<port>} ({@code messages}: sqlite | cassandra, covering the
   * ConversationStore too; {@code receipts}: sqlite | redis; {@code sessions}, {@code presence} and
   * {@code pushDevices} (the devices FCM and Web Push address): hazelcast | redis). Media ({@code media.backend}) and push ({@code notification.sender}) are chosen in their own blocks.
   */
  static String backend(JsonObject conf, String port, String embedded) {
    return conf.getJsonObject("backends", new JsonObject()).getString(port, embedded);
  }

  private record Blocking(SessionDirectory sessions, PresenceStore presence, BlobStore blobs, PushSender push,
                          PushRegistry devices) {
  }

  /** {@code media.backend}: {@code file} (default: local files, signed URLs served by the gateway) or {@code s3}. */
  private static BlobStore blobStore(Vertx vertx, JsonObject media, Path storageDir, Clock clock) {
    List<String> types = media.getJsonArray("allowedTypes", new JsonArray().add("image/png").add("image/jpeg"))
        .stream().map(Object::toString).toList();
    long maxBytes = media.getLong("maxBytes", 10L << 20);
    if ("s3".equals(media.getString("backend"))) {
      return S3BlobStore.fromConfig(vertx, media.getJsonObject("s3", new JsonObject()), types, maxBytes, clock);
    }
    Path dir = Path.of(media.getString("dir", storageDir.resolve("media").toString()));
    return new FileBlobStore(vertx, dir, media.getString("secret"), types, maxBytes, clock);
  }

  /**
   * {@code notification.sender}: {@code logging} (default), {@code webhook}, {@code fcm} or {@code webpush}. FCM and
   * Web Push address the devices users register ({@code POST /api/push/devices}), kept region-wide in Hazelcast or,
   * with {@code backends.pushDevices: redis}, durably in Redis.
   */
  private static PushSender pushSender(Vertx vertx, JsonObject notification, PushRegistry devices) {
    String sender = notification.getString("sender", "logging");
    return switch (sender) {
      case "webhook" -> {
        JsonObject webhook = notification.getJsonObject("webhook", new JsonObject());
        yield new WebhookPushSender(vertx, webhook.getString("url"), webhook.getInteger("maxAttempts", 5),
            webhook.getLong("backoffMs", 200L));
      }
      case "fcm" -> FcmPushSender.fromConfig(vertx, notification.getJsonObject("fcm", new JsonObject()),
          devices.fcm());
      case "webpush" -> WebPushSender.fromConfig(vertx, notification.getJsonObject("webpush", new JsonObject()),
          devices.webPush());
      case "logging" -> new LoggingPushSender();
      default -> throw new IllegalArgumentException("notification.sender must be logging, webhook, fcm or webpush, not "
          + sender);
    };
  }

  Future<Void> close() {
    Future<Void> media = blobs instanceof S3BlobStore s3 ? s3.close() : Future.succeededFuture();
    return Future.join(messages.close(), conversations.close(), receipts.close(), media)
        .compose(v -> database.close())
        .compose(v -> redis == null ? Future.succeededFuture() : redis.close()).mapEmpty();
  }
}
