package io.lattice.store.redis;

/**
 * The key names of the Redis adapters (see the package documentation for the layout). Every key that a script or a
 * single command reads together with another shares its hash tag, the part in braces, so it lands in the same
 * cluster slot; keys in different slots are only ever touched by separate commands.
 */
final class RedisKeys {

  private final String prefix;

  /** @param prefix prepended to every key (outside the hash tag), e.g. {@code "lattice:"}; may be empty */
  RedisKeys(String prefix) {
    this.prefix = prefix == null ? "" : prefix;
  }

  String prefix() {
    return prefix;
  }

  /** Hash of one user's sessions: node id to expiry (epoch ms). */
  String session(String userId) {
    return prefix + "sess:{u:" + userId + "}";
  }

  /** Sorted set of the users a node registered: user id scored by expiry (epoch ms), for removeNode. */
  String sessionNodeIndex(String nodeId) {
    return prefix + "sessnode:{n:" + nodeId + "}";
  }

  /** Hash of one user's presence: node reports and region slots. */
  String presence(String userId) {
    return prefix + "presence:{u:" + userId + "}";
  }

  /** Sorted set of the users a node of a region reported: user id scored by expiry, for removeNode. */
  String presenceNodeIndex(String region, String nodeId) {
    return prefix + "presnode:{n:" + region + ":" + nodeId + "}";
  }

  /** Hash of one message's receipts: recipient id to its state. */
  String receipts(String messageId) {
    return prefix + "receipt:{m:" + messageId + "}";
  }

  /** Hash of one rate-limit bucket: tokens and last refill. */
  String rateBucket(String key) {
    return prefix + "rate:{k:" + key + "}";
  }

  /** Set of one user's push devices of one kind ({@code fcm}, {@code webpush}), encoded. */
  String pushDevices(String kind, String userId) {
    return prefix + "push:" + kind + ":{u:" + userId + "}";
  }
}
