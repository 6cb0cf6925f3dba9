package io.lattice.store;

import io.vertx.core.Future;

import java.time.Duration;

/**
 * Media storage reached through signed, expiring URLs: the client uploads straight to the URL it is granted and the
 * message carries only the resulting {@code mediaUrl}.
 *
 * <p>Contract (checked for every adapter by {@code BlobStoreContract}):
 * <ul>
 *   <li>{@link #grantUpload} grants one fresh, unguessable object for one content type (of the configured ones,
 *   compared case-insensitively, parameters dropped) and at most the declared size (1 to the configured maximum),
 *   until {@code expiresAt} (epoch millis, about now + ttl). Anything else fails the future with an
 *   {@link IllegalArgumentException}; nothing is stored at grant time. Grants never share an object, whoever the
 *   owner: two grants are two mediaUrls.</li>
 *   <li>The {@code mediaUrl} is always {@code /media/<name>}, {@code <name>} letters, digits and '-' plus the content
 *   type's extension ({@code .png}, {@code .jpg}...): the same form for every adapter, so a message never depends on
 *   the backend nor holds an expiring link.</li>
 *   <li>A {@code PUT} of the bytes to {@code uploadUrl} with the granted {@code Content-Type} succeeds (2xx); another
 *   content type, more bytes than granted, an expired grant or a download URL used for upload are refused with a
 *   4xx (403 for expiry and signatures; the other statuses differ between adapters) and store nothing. A refused
 *   upload does not use the grant up.</li>
 *   <li>{@link #signedGetUrl} signs any mediaUrl of that form without looking the object up (an unknown one then
 *   answers 404 when fetched) and fails with an {@link IllegalArgumentException} for anything else (another host, a
 *   path, null). The URL answers the bytes with the granted content type until the ttl passes.</li>
 * </ul>
 *
 * <p>Limits that differ by adapter: the embedded store accepts parameters on the upload's Content-Type
 * ({@code image/png; charset=binary}), S3 does not (the header is signed as granted), so clients send exactly the
 * granted type. The embedded store measures expiry with its injected clock; S3 signs and checks against the wall
 * clock, so its {@code Clock} does not move its URLs' expiry. URLs may be relative to the gateway (embedded) or
 * absolute (S3).
 *
 * <p>Threading: thread-safe; both methods are local computation (no I/O) and complete before they return.
 */
public interface BlobStore {

  record UploadGrant(String uploadUrl, String mediaUrl, long expiresAt) {
  }

  Future<UploadGrant> grantUpload(String ownerId, String contentType, long size, Duration ttl);

  Future<String> signedGetUrl(String mediaUrl, Duration ttl);
}
