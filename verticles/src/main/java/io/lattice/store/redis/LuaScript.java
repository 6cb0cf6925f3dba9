package io.lattice.store.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run atomically by Redis: {@code EVALSHA} by the SHA-1 of its source, falling back to {@code EVAL}
 * (which also caches it on that server) when the server answers {@code NOSCRIPT}: after a restart, a failover, a
 * {@code SCRIPT FLUSH}, or on a cluster master that never saw the {@code SCRIPT LOAD}. One subclass per script.
 *
 * <p>Every script touches only the keys it is given in {@code KEYS}, all of one hash slot, so it runs unchanged in
 * cluster mode; the current time comes in as an argument (never {@code TIME}), so expiries follow the injected
 * clock and the script is deterministic for replicas.
 */
public abstract class LuaScript {

  private final String source;
  private final String sha;

  protected LuaScript(String source) {
    this.source = source;
    this.sha = sha1(source);
  }

  public String source() {
    return source;
  }

  public String sha() {
    return sha;
  }

  /**
   * Loads the script with {@code SCRIPT LOAD} on the server the client routes it to (every server in standalone
   * mode; one node in cluster mode, the others load it on first use through the {@code EVAL} fallback).
   */
  public Future<Void> load(RedisChannel redis) {
    return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).compose(r -> {
      String loaded = r == null ? null : r.toString();
      return sha.equalsIgnoreCase(loaded) ? Future.succeededFuture()
          : Future.failedFuture(new IllegalStateException("SCRIPT LOAD returned " + loaded + ", expected " + sha));
    });
  }

  /** Runs the script; completes on the client's context (callers hop back to theirs). */
  protected Future<Response> run(RedisChannel redis, List<String> keys, List<String> args) {
    return redis.send(request(Command.EVALSHA, sha, keys, args)).recover(failure -> isNoScript(failure)
        ? redis.send(request(Command.EVAL, source, keys, args))
        : Future.failedFuture(failure));
  }

  static boolean isNoScript(Throwable failure) {
    String message = failure.getMessage();
    return message != null && message.startsWith("NOSCRIPT");
  }

  private static Request request(Command command, String script, List<String> keys, List<String> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  private static String sha1(String source) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is always available", e);
    }
  }
}
