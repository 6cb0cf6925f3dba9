package io.lattice.store.redis;

/** The push devices contract, and the Redis-specific tests, on the Redis cluster. */
class RedisClusterPushDevicesTest extends RedisPushDevicesTest {

  @Override
  protected boolean cluster() {
    return true;
  }
}
