package io.lattice.store.redis;

import io.lattice.notification.DeviceCodec;
import io.lattice.notification.PushDevices;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link PushDevices} in Redis: one set per user and kind, {@code push:<kind>:{u:<userId>}}, of encoded devices
 * ({@link DeviceCodec}), so devices survive a restart of every node of the region (as far as the server persists:
 * AOF). Adds go through {@link PushDeviceAddScript} (cap and add in one step); reads are {@code SMEMBERS}, removes
 * {@code SREM}. The keys have no TTL: a device lives until its user or the push service removes it.
 */
public final class RedisPushDevices<D> implements PushDevices<D> {

  private final Vertx vertx;
  private final RedisChannel redis;
  private final RedisKeys keys;
  private final DeviceCodec<D> codec;
  private final PushDeviceAddScript addScript;

  RedisPushDevices(Vertx vertx, RedisChannel redis, RedisKeys keys, DeviceCodec<D> codec,
                   PushDeviceAddScript addScript) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.codec = codec;
    this.addScript = addScript;
  }

  @Override
  public Future<Boolean> add(String userId, D device) {
    Context caller = vertx.getOrCreateContext();
    return RedisSupport.onCaller(caller, addScript.add(redis, key(userId), codec.encode().apply(device),
        MAX_DEVICES_PER_USER));
  }

  @Override
  public Future<List<D>> devicesOf(String userId) {
    Context caller = vertx.getOrCreateContext();
    return RedisSupport.onCaller(caller, redis.send(Request.cmd(Command.SMEMBERS).arg(key(userId)))
        .map(this::decode));
  }

  @Override
  public Future<Void> remove(String userId, D device) {
    Context caller = vertx.getOrCreateContext();
    return RedisSupport.onCaller(caller, redis.send(Request.cmd(Command.SREM).arg(key(userId))
        .arg(codec.encode().apply(device))).mapEmpty());
  }

  private String key(String userId) {
    return keys.pushDevices(codec.kind(), userId);
  }

  private List<D> decode(Response members) {
    List<D> out = new ArrayList<>();
    if (members != null) {
      for (Response member : members) {
        out.add(codec.decode().apply(member.toString()));
      }
    }
    return out;
  }
}
