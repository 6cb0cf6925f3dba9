package io.lattice.store.redis;

/** The presence store contract, and the Redis-specific tests, on the Redis cluster. */
class RedisClusterPresenceStoreTest extends RedisPresenceStoreTest {

  @Override
  protected boolean cluster() {
    return true;
  }
}
