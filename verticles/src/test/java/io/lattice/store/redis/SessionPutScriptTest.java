package io.lattice.store.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link SessionPutScript}: concurrent puts from many clients, pruning of expired fields, and the key TTL. */
class SessionPutScriptTest {

  private static final long NOW = 1_900_000_000_000L;

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentPutsFromManyClientsAreAllKept(boolean cluster) {
    SessionPutScript script = new SessionPutScript();
    String key = RedisTestSupport.keys().session("alice");
    List<RedisChannel> clients = redis.clients(cluster, 8);
    List<Future<Void>> puts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      puts.add(script.put(clients.get(i % clients.size()), key, "node-" + i, NOW + 30_000, NOW, 90_000));
    }
    await(Future.all(puts));

    Map<String, String> fields = RedisSupport.hashEntries(
        await(clients.get(0).send(Request.cmd(Command.HGETALL).arg(key))));
    assertThat(fields).hasSize(200);
    assertThat(fields.values()).containsOnly(Long.toString(NOW + 30_000));
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void aPutPrunesExpiredNodesAndNeverLowersTheKeyTtl(boolean cluster) {
    SessionPutScript script = new SessionPutScript();
    RedisChannel client = redis.client(cluster);
    String key = RedisTestSupport.keys().session("bob");
    await(script.put(client, key, "long", NOW + 300_000, NOW, 360_000));
    await(script.put(client, key, "short", NOW + 10_000, NOW, 70_000));
    long pttl = await(client.send(Request.cmd(Command.PTTL).arg(key))).toLong();
    assertThat(pttl).isGreaterThan(300_000); // the longer entry's TTL stays

    await(script.put(client, key, "other", NOW + 400_000, NOW + 20_000, 440_000));
    Map<String, String> fields = RedisSupport.hashEntries(await(client.send(Request.cmd(Command.HGETALL).arg(key))));
    assertThat(fields).containsOnlyKeys("long", "other"); // "short" expired at NOW + 10 s
  }
}
