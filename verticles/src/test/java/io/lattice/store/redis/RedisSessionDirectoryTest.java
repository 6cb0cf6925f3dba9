package io.lattice.store.redis;

import io.lattice.store.MutableClock;
import io.lattice.store.SessionDirectory;
import io.lattice.store.SessionDirectoryContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The session directory contract on the standalone Redis server, plus what is specific to the Redis adapter. */
class RedisSessionDirectoryTest extends SessionDirectoryContract {

  private RedisStores stores;

  protected boolean cluster() {
    return false;
  }

  @Override
  protected Future<SessionDirectory> createStore(Vertx vertx, MutableClock clock) {
    return RedisTestSupport.open(vertx, cluster(), clock).map(s -> {
      stores = s;
      return s.sessions();
    });
  }

  private String key(String suffix) {
    return stores.config().keyPrefix() + suffix;
  }

  @Test
  void keysCarryARedisTtlAndRemoveNodeEmptiesTheNodesIndex() {
    RedisChannel redis = stores.client();
    String alice = user("alice");
    await(directory.register(alice, "node-1", TTL));

    long sessionTtl = await(redis.send(Request.cmd(Command.PTTL).arg(key("sess:{u:" + alice + "}")))).toLong();
    long indexTtl = await(redis.send(Request.cmd(Command.PTTL).arg(key("sessnode:{n:node-1}")))).toLong();
    long max = TTL.toMillis() + RedisSupport.EXPIRY_GRACE_MS;
    assertThat(sessionTtl).isBetween(max - 10_000, max);
    assertThat(indexTtl).isBetween(max - 10_000, max);

    await(directory.removeNode("node-1"));
    assertThat(await(redis.send(Request.cmd(Command.EXISTS).arg(key("sessnode:{n:node-1}")))).toLong()).isZero();
    assertThat(await(redis.send(Request.cmd(Command.EXISTS).arg(key("sess:{u:" + alice + "}")))).toLong()).isZero();
    assertThat(await(directory.lookup(List.of(alice))).get(alice)).isEmpty();
  }
}
