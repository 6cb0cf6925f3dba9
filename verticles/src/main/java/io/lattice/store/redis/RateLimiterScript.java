package io.lattice.store.redis;

import io.vertx.core.Future;

import java.util.List;

/**
 * One token bucket, the same arithmetic as {@code io.lattice.bus.TokenBucket}: {@code KEYS[1]} = the bucket hash
 * ({@code t} = tokens, {@code at} = last refill, epoch ms by the injected clock); {@code ARGV} = now, rate per ms,
 * burst, key TTL (ms). Refills, then takes a token if there is one. Reply: 0 if taken, else ms until a token.
 * A bucket whose key expired (it had time to refill fully) starts full again.
 */
final class RateLimiterScript extends LuaScript {

  static final String LUA = """
      local key = KEYS[1]
      local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
      local state = redis.call('HMGET', key, 't', 'at')
      local tokens, last = tonumber(state[1]), tonumber(state[2])
      if tokens == nil or last == nil then tokens, last = burst, now end
      if now > last then
        tokens = math.min(burst, tokens + (now - last) * rate)
        last = now
      end
      local wait = 0
      if tokens >= 1 then
        tokens = tokens - 1
      else
        wait = math.max(1, math.ceil((1 - tokens) / rate))
      end
      redis.call('HSET', key, 't', string.format('%.17g', tokens), 'at', string.format('%.0f', last))
      redis.call('PEXPIRE', key, ARGV[4])
      return wait
      """;

  RateLimiterScript() {
    super(LUA);
  }

  Future<Long> take(RedisChannel redis, String key, long now, double ratePerMilli, double burst, long keyTtlMillis) {
    return run(redis, List.of(key), List.of(Long.toString(now), Double.toString(ratePerMilli),
        Double.toString(burst), Long.toString(keyTtlMillis))).map(r -> r.toLong());
  }
}
