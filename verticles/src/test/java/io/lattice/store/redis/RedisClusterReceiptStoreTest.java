package io.lattice.store.redis;

/** The receipt store contract, and the Redis-specific tests, on the Redis cluster. */
class RedisClusterReceiptStoreTest extends RedisReceiptStoreTest {

  @Override
  protected boolean cluster() {
    return true;
  }
}
