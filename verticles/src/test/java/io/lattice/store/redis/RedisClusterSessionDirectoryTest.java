package io.lattice.store.redis;

/** The session directory contract, and the Redis-specific tests, on the Redis cluster. */
class RedisClusterSessionDirectoryTest extends RedisSessionDirectoryTest {

  @Override
  protected boolean cluster() {
    return true;
  }
}
