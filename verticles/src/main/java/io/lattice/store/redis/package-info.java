/**
 * The Redis adapters of the live-state ports: {@link io.lattice.store.redis.RedisSessionDirectory},
 * {@link io.lattice.store.redis.RedisPresenceStore}, {@link io.lattice.store.redis.RedisReceiptStore} and
 * {@link io.lattice.store.redis.RedisRateLimiter} (of the new port {@link io.lattice.store.RateLimiter}) and
 * {@link io.lattice.store.redis.RedisPushDevices} (of {@link io.lattice.notification.PushDevices}), created
 * together, sharing one client, by {@link io.lattice.store.redis.RedisStores#open} from the {@code "redis"}
 * configuration block ({@link io.lattice.store.redis.RedisConfig}). They work on a standalone server and on a
 * Redis Cluster alike.
 *
 * <h2>Connection</h2>
 * All requests go through one {@link io.lattice.store.redis.RedisChannel}: a single pipelined connection of the
 * client (per master in cluster mode) on its own event-loop context. A damaged connection (a socket ended, a
 * request failed other than by a Redis error reply) keeps serving while a replacement is opened in the background,
 * so a dead cluster master only stops its own slots until its replica is promoted (docs/backends-redis.md,
 * "Failover and restarts"). Operations over many users keep at most {@value io.lattice.store.redis.RedisSupport#MAX_IN_FLIGHT}
 * requests in flight (window after window), below the connection's {@code maxWaitingHandlers}. Futures complete
 * on the caller's context.
 *
 * <h2>Time</h2>
 * Every expiry inside a value is epoch millis of the injected {@link java.time.Clock} (scripts receive it as
 * {@code now}; they never call {@code TIME}), and reads ignore what has expired by that clock, exactly as the
 * embedded adapters do. The Redis TTL of a key ({@code PEXPIRE}, relative, so independent of the clock's epoch) only
 * reclaims memory: the latest expiry the key holds plus a grace of
 * {@value io.lattice.store.redis.RedisSupport#EXPIRY_GRACE_MS} ms for sessions and presence, the retention for
 * receipts.
 *
 * <h2>Keys</h2>
 * Every key starts with the configured prefix ({@code keyPrefix}, default {@code lattice:}, written {@code P}
 * below). The part in braces is the hash tag: keys that must be read or written together share it; keys with
 * different tags are only ever touched by separate commands, so nothing is cross-slot in cluster mode.
 * <ul>
 *   <li>{@code P sess:{u:<userId>}}, hash: node id to expiry (epoch ms). Written by
 *       {@link io.lattice.store.redis.SessionPutScript} (set the node, drop other nodes already expired, raise
 *       the TTL to at least ttl + grace, never lower it) and {@code HDEL} (unregister, removeNode); read by
 *       {@code HGETALL} (lookup, one per user, concurrently).</li>
 *   <li>{@code P sessnode:{n:<nodeId>}}, sorted set: user id scored by expiry, the users a node registered; TTL
 *       ttl + grace from its last register/refresh. Written before the user's hash, so it always covers the node's
 *       entries. removeNode reads it, deletes the node's field from each user's hash, then removes those members.
 *       It is not pruned on unregister races; stale members only cost a no-op {@code HDEL}.</li>
 *   <li>{@code P presence:{u:<userId>}}, hash: {@code r:<region>:<nodeId>} = {@code <count>:<expiresAt>} (reports
 *       of this region's nodes) and {@code s:<region>} = {@code <count>:<version>:<expiresAt>} (every region's
 *       slot). Only changed by the presence scripts ({@link io.lattice.store.redis.PresenceReportScript},
 *       {@link io.lattice.store.redis.PresenceRefreshScript},
 *       {@link io.lattice.store.redis.PresenceMergeRemoteScript}, {@link io.lattice.store.redis.PresenceGetScript},
 *       {@link io.lattice.store.redis.PresenceRemoveNodeScript}, all starting with
 *       {@link io.lattice.store.redis.PresenceLua#COMMON}), which load the whole hash, apply the change as the
 *       embedded {@code PresenceRecord} does, and rewrite it; TTL = latest slot expiry - now + grace. Region names
 *       must not contain ':'.</li>
 *   <li>{@code P presnode:{n:<region>:<nodeId>}}, sorted set: user id scored by expiry, the users a node reported
 *       with a count above zero; TTL ttl + grace from its last report/refresh (refresh uses {@code ZADD XX}, so it
 *       never adds users the node did not report). removeNode runs the remove script for each member, then removes
 *       them.</li>
 *   <li>{@code P receipt:{m:<messageId>}}, hash: recipient id = {@code <sentAt>:<deliveredAt>:<readAt>:<updatedAt>}
 *       (Lamport values, 0 = not yet; updatedAt = clock millis of the last change). One hash per message so that
 *       {@code get(messageId)} is one {@code HGETALL} in one slot. Changed only by
 *       {@link io.lattice.store.redis.ReceiptMergeScript} (max per field, in batch order; a field older than the
 *       retention counts as absent; any change sets the hash's TTL to the retention). A recipient's state older
 *       than the retention is ignored on read; the hash itself lives until one retention after the last change
 *       of any recipient.</li>
 *   <li>{@code P rate:{k:<key>}}, hash: {@code t} = tokens (a double), {@code at} = last refill (epoch ms), one
 *       token bucket of {@link io.lattice.store.redis.RedisRateLimiter} (port {@link io.lattice.store.RateLimiter}),
 *       changed only by {@link io.lattice.store.redis.RateLimiterScript}; TTL = time to refill fully + grace (a
 *       bucket whose key expired starts full, which it would be by then).</li>
 *   <li>{@code P push:<kind>:{u:<userId>}}, set: the user's push devices of one kind ({@code fcm}: registration
 *       tokens; {@code webpush}: subscriptions as {@code PushSubscription.toJSON()} JSON), encoded by
 *       {@link io.lattice.notification.DeviceCodec}. Added only by {@link io.lattice.store.redis.PushDeviceAddScript}
 *       (already a member: no change; else {@code SADD} if fewer than the cap of 20, so the cap holds under
 *       concurrent registrations from several nodes); removed by {@code SREM}; read by {@code SMEMBERS}. No TTL:
 *       a device lives until its user unregisters it or the push service says it is gone.</li>
 * </ul>
 *
 * <h2>Scripts</h2>
 * One class per script, extending {@link io.lattice.store.redis.LuaScript}: {@code SCRIPT LOAD} at open, then
 * {@code EVALSHA} by the SHA-1 computed locally, falling back to {@code EVAL} on {@code NOSCRIPT} (a restarted or
 * failed-over server, {@code SCRIPT FLUSH}, or a cluster master the load did not reach). Each script touches only
 * its {@code KEYS[1]}. Numbers travel as decimal strings and are exact in Lua's doubles up to 2^53.
 *
 * <h2>Durability</h2>
 * Sessions and presence describe live connections, as in the embedded adapters: losing them costs a wasted
 * delivery attempt or a briefly wrong presence dot. Receipts and push devices are only as durable as the server's
 * persistence: run Redis with AOF ({@code appendonly yes}) if read marks and devices must survive a Redis restart.
 */
package io.lattice.store.redis;
