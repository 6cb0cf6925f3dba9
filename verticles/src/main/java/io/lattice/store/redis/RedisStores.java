package io.lattice.store.redis;

import io.lattice.notification.DeviceCodec;
import io.lattice.notification.PushDevices;
import io.lattice.store.PresenceStore;
import io.lattice.store.RateLimiter;
import io.lattice.store.ReceiptStore;
import io.lattice.store.SessionDirectory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis adapters of a region, sharing one client: open with {@link #open}, close with {@link #close} (which
 * closes the client; the stores' own {@code close} does not).
 */
public final class RedisStores {

  private final RedisChannel redis;
  private final RedisConfig config;
  private final SessionDirectory sessions;
  private final PresenceStore presence;
  private final ReceiptStore receipts;
  private final RateLimiter rateLimiter;
  private final RedisKeys keys;
  private final PushDeviceAddScript pushDeviceAdd;

  private RedisStores(RedisChannel redis, RedisConfig config, SessionDirectory sessions, PresenceStore presence,
                      ReceiptStore receipts, RateLimiter rateLimiter, RedisKeys keys,
                      PushDeviceAddScript pushDeviceAdd) {
    this.redis = redis;
    this.config = config;
    this.sessions = sessions;
    this.presence = presence;
    this.receipts = receipts;
    this.rateLimiter = rateLimiter;
    this.keys = keys;
    this.pushDeviceAdd = pushDeviceAdd;
  }

  /** {@link #open(Vertx, JsonObject, Duration, Clock)} with the default receipt retention (7 days). */
  public static Future<RedisStores> open(Vertx vertx, JsonObject redisBlock, Clock clock) {
    return open(vertx, redisBlock, RedisReceiptStore.DEFAULT_RETENTION, clock);
  }

  /**
   * Creates the client from the {@code "redis"} block (see {@link RedisConfig}), checks the server answers
   * {@code PING}, loads the scripts, and builds the stores. Fails if Redis is unreachable.
   */
  public static Future<RedisStores> open(Vertx vertx, JsonObject redisBlock, Duration receiptRetention,
                                         Clock clock) {
    RedisConfig config;
    try {
      config = RedisConfig.fromJson(redisBlock);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    RedisChannel redis = RedisChannel.create(vertx, config.toOptions());
    RedisKeys keys = new RedisKeys(config.keyPrefix());
    SessionPutScript put = new SessionPutScript();
    RedisPresenceStore.PresenceScripts presenceScripts = new RedisPresenceStore.PresenceScripts();
    ReceiptMergeScript receiptMerge = new ReceiptMergeScript();
    List<LuaScript> scripts = new ArrayList<>(presenceScripts.all());
    scripts.add(put);
    scripts.add(receiptMerge);
    RateLimiterScript rateScript = new RateLimiterScript();
    scripts.add(rateScript);
    PushDeviceAddScript pushDeviceAdd = new PushDeviceAddScript();
    scripts.add(pushDeviceAdd);
    return redis.send(Request.cmd(Command.PING))
        .compose(pong -> Future.all(scripts.stream().map(s -> s.load(redis)).toList()))
        .map(loaded -> new RedisStores(redis, config,
            new RedisSessionDirectory(vertx, redis, keys, clock, put),
            new RedisPresenceStore(vertx, redis, keys, clock, presenceScripts),
            new RedisReceiptStore(vertx, redis, keys, receiptRetention, clock, receiptMerge),
            new RedisRateLimiter(vertx, redis, keys, clock, rateScript), keys, pushDeviceAdd))
        .recover(failure -> redis.close().transform(closed -> Future.failedFuture(failure)));
  }

  public SessionDirectory sessions() {
    return sessions;
  }

  public PresenceStore presence() {
    return presence;
  }

  public ReceiptStore receipts() {
    return receipts;
  }

  /** Region-wide token buckets (a new port, not wired anywhere yet). */
  public RateLimiter rateLimiter() {
    return rateLimiter;
  }

  /** Users' push devices of one kind ({@code backends.pushDevices: redis}), on this client. */
  public <D> PushDevices<D> pushDevices(Vertx vertx, DeviceCodec<D> codec) {
    return new RedisPushDevices<>(vertx, redis, keys, codec, pushDeviceAdd);
  }

  public RedisConfig config() {
    return config;
  }

  /** The shared connection, for health checks. */
  public RedisChannel client() {
    return redis;
  }

  public Future<Void> close() {
    return redis.close();
  }
}
