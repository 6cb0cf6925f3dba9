package io.lattice.store.redis;

import io.lattice.store.TestVertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Loading by SHA, and the EVAL fallback when the server has forgotten the script. */
class LuaScriptTest {

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @Test
  void runsAfterTheServerForgotTheScriptAndCachesItAgain() {
    RedisChannel client = redis.client(false);
    SessionPutScript script = new SessionPutScript();
    await(script.load(client)); // fails if the server's SHA differs from the one computed here
    await(client.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    assertThat(await(client.send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(script.sha()))).get(0).toLong())
        .isZero();

    String key = RedisTestSupport.keys().session("carol");
    await(script.put(client, key, "node-1", 2_000, 1_000, 60_000));

    assertThat(await(client.send(Request.cmd(Command.HGET).arg(key).arg("node-1"))).toString()).isEqualTo("2000");
    assertThat(await(client.send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(script.sha()))).get(0).toLong())
        .isEqualTo(1);
  }

  @Test
  void otherErrorsAreNotRetried() {
    RedisChannel client = redis.client(false);
    LuaScript broken = new LuaScript("return redis.call('NOSUCHCOMMAND')") {
    };
    Throwable failure = TestVertx.awaitFailure(broken.run(client, List.of("k"), List.of()));
    assertThat(failure.getMessage()).doesNotStartWith("NOSCRIPT").contains("Unknown");
  }
}
