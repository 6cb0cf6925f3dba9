package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.Future;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;

/**
 * Merges updates into one message's receipt hash by max per field, in order, atomically.
 * {@code KEYS[1]} = {@code receipt:{m:<messageId>}}; {@code ARGV} = now, cutoff (now - retention), key TTL (ms), then
 * per update recipient, sentAt, deliveredAt, readAt. Field {@code <recipientId>} = {@code
 * <sentAt>:<deliveredAt>:<readAt>:<updatedAt>}; a field whose updatedAt is before the cutoff counts as absent (the
 * update starts from empty). An update the stored state already covers writes nothing (and so does not extend the
 * retention); any change sets the hash's TTL to the retention. Reply: per update sentAt, deliveredAt, readAt,
 * changed (0|1).
 */
final class ReceiptMergeScript extends LuaScript {

  static final String LUA = """
      local key = KEYS[1]
      local now, cutoff, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
      local function n(x) return string.format('%.0f', x) end
      local out = {}
      local any = false
      for i = 4, #ARGV, 4 do
        local recipient = ARGV[i]
        local s, d, r = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
        local cs, cd, cr = 0, 0, 0
        local current = redis.call('HGET', key, recipient)
        if current then
          local a, b, c, u = string.match(current, '^(%d+):(%d+):(%d+):(%d+)$')
          if tonumber(u) >= cutoff then cs, cd, cr = tonumber(a), tonumber(b), tonumber(c) end
        end
        local ms, md, mr = math.max(cs, s), math.max(cd, d), math.max(cr, r)
        if ms == cs and md == cd and mr == cr then
          out[#out + 1] = cs; out[#out + 1] = cd; out[#out + 1] = cr; out[#out + 1] = 0
        else
          redis.call('HSET', key, recipient, n(ms) .. ':' .. n(md) .. ':' .. n(mr) .. ':' .. n(now))
          out[#out + 1] = ms; out[#out + 1] = md; out[#out + 1] = mr; out[#out + 1] = 1
          any = true
        end
      end
      if any then redis.call('PEXPIRE', key, ARGV[3]) end
      return out
      """;

  ReceiptMergeScript() {
    super(LUA);
  }

  /** One reply entry: the merged state and whether it changed. */
  record Result(ReceiptState state, boolean changed) {
  }

  /** Merges updates that all belong to one message ({@code key} is its receipt hash). */
  Future<List<Result>> merge(RedisChannel redis, String key, List<ReceiptUpdate> updates, long now, long cutoff,
                             long keyTtlMillis) {
    List<String> args = new ArrayList<>(3 + 4 * updates.size());
    args.add(Long.toString(now));
    args.add(Long.toString(cutoff));
    args.add(Long.toString(keyTtlMillis));
    for (ReceiptUpdate u : updates) {
      args.add(u.key().recipientId());
      args.add(Long.toString(u.state().sentAt()));
      args.add(Long.toString(u.state().deliveredAt()));
      args.add(Long.toString(u.state().readAt()));
    }
    return run(redis, List.of(key), args).map(ReceiptMergeScript::results);
  }

  private static List<Result> results(Response reply) {
    List<Result> results = new ArrayList<>(reply.size() / 4);
    for (int i = 0; i + 3 < reply.size(); i += 4) {
      results.add(new Result(new ReceiptState(reply.get(i).toLong(), reply.get(i + 1).toLong(),
          reply.get(i + 2).toLong()), reply.get(i + 3).toLong() == 1));
    }
    return results;
  }
}
