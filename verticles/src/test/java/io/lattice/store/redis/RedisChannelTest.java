package io.lattice.store.redis;

import io.lattice.store.TestVertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The shared connection comes back after the server dropped it. */
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
}
