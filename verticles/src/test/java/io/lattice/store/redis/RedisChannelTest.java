package io.lattice.store.redis;

import io.lattice.store.TestVertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The shared connection comes back after the server dropped it, and is kept on a Redis error reply. */
class RedisChannelTest {

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @Test
  void reconnectsAfterTheServerKilledTheConnection() {
    RedisChannel channel = redis.client(false);
    RedisChannel killer = redis.client(false);
    String id = await(channel.send(Request.cmd(Command.CLIENT).arg("ID"))).toString();
    await(killer.send(Request.cmd(Command.CLIENT).arg("KILL").arg("ID").arg(id)));

    // A request racing the close may fail; the channel must then connect again on its own.
    TestVertx.eventually("a request succeeds on a new connection", () -> {
      try {
        return !await(channel.send(Request.cmd(Command.CLIENT).arg("ID"))).toString().equals(id);
      } catch (RuntimeException e) {
        return false;
      }
    });
    assertThat(await(channel.send(Request.cmd(Command.PING))).toString()).isEqualTo("PONG");
  }

  @Test
  void aRedisErrorReplyKeepsTheConnection() {
    RedisChannel channel = redis.client(false);
    String key = RedisTestSupport.keys().rateBucket("not-a-number");
    await(channel.send(Request.cmd(Command.SET).arg(key).arg("x")));
    String id = await(channel.send(Request.cmd(Command.CLIENT).arg("ID"))).toString();
    // An error reply is the command's failure, not the connection's: no replacement is due.
    assertThat(TestVertx.awaitFailure(channel.send(Request.cmd(Command.INCR).arg(key))))
        .hasMessageContaining("not an integer");
    assertThat(await(channel.damaged())).isFalse();
    assertThat(await(channel.send(Request.cmd(Command.CLIENT).arg("ID"))).toString()).isEqualTo(id);
  }
}
