package io.lattice.store;

import io.vertx.core.Future;

import java.time.Duration;

/**
 * Media storage reached through signed, expiring URLs: the client uploads straight to the URL it is granted and the
 * message carries only the resulting {@code mediaUrl}.
 *
 * <p>Contract: a grant is valid for one object key, one content type and at most the declared size, until
 * {@code expiresAt}; {@link #signedGetUrl} gives a short-lived download URL for a mediaUrl. Thread-safe.
 */
public interface BlobStore {

  record UploadGrant(String uploadUrl, String mediaUrl, long expiresAt) {
  }

  Future<UploadGrant> grantUpload(String ownerId, String contentType, long size, Duration ttl);

  Future<String> signedGetUrl(String mediaUrl, Duration ttl);
}
