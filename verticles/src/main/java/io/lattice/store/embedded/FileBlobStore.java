package io.lattice.store.embedded;

import io.lattice.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@link BlobStore} on a local directory, served by {@code io.lattice.media.MediaRoutes}.
 *
 * <p>URLs are signed with HMAC-SHA256 over exactly what they allow: an upload URL over
 * {@code PUT, path, exp, ct, max}, a download URL over {@code GET, path, exp}; so a client can neither change the
 * content type or size of a grant, nor turn a download URL into an upload one. {@code exp} is epoch millis.
 *
 * <p>Keys are random (a UUID) plus an extension derived from the content type, so they are unguessable, safe as
 * file names, and the content type to serve is recovered from the key without a side file. Only the content types
 * given to the constructor can be granted, which also keeps HTML and scripts out of the media origin.
 */
public final class FileBlobStore implements BlobStore {

  /** What a key may look like: no dots except the extension's, no slashes, so never a path outside the directory. */
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9-]{1,64}(\\.[a-z0-9]{1,10})?");
  public static final String PATH_PREFIX = "/media/";
  private static final Map<String, String> KNOWN_EXTENSIONS = Map.ofEntries(
      Map.entry("image/jpeg", "jpg"), Map.entry("image/png", "png"), Map.entry("image/gif", "gif"),
      Map.entry("image/webp", "webp"), Map.entry("image/heic", "heic"), Map.entry("video/mp4", "mp4"),
      Map.entry("video/webm", "webm"), Map.entry("video/quicktime", "mov"), Map.entry("audio/mpeg", "mp3"),
      Map.entry("audio/ogg", "ogg"), Map.entry("audio/mp4", "m4a"), Map.entry("audio/webm", "weba"),
      Map.entry("application/pdf", "pdf"), Map.entry("text/plain", "txt"));

  /** Outcome of checking a signed URL. */
  public enum Check {
    OK, BAD_SIGNATURE, EXPIRED
  }

  private final Path directory;
  private final byte[] secret;
  private final Map<String, String> extensionByType = new LinkedHashMap<>();
  private final Map<String, String> typeByExtension = new LinkedHashMap<>();
  private final long maxSize;
  private final Clock clock;
  private final Future<Void> directoryReady;

  /**
   * @param directory where the files live (created if missing)
   * @param secret the HMAC key; every node serving the same directory needs the same one
   * @param allowedContentTypes media types that may be uploaded, e.g. {@code image/jpeg}
   * @param maxSize the largest upload granted, in bytes
   */
  public FileBlobStore(Vertx vertx, Path directory, String secret, Collection<String> allowedContentTypes,
                       long maxSize, Clock clock) {
    if (secret == null || secret.length() < 16) {
      throw new IllegalArgumentException("the media signing secret needs at least 16 characters");
    }
    if (maxSize <= 0) {
      throw new IllegalArgumentException("maxSize must be positive");
    }
    this.directory = directory.toAbsolutePath();
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.maxSize = maxSize;
    this.clock = clock;
    for (String type : allowedContentTypes) {
      String normalized = normalizeContentType(type);
      String extension = KNOWN_EXTENSIONS.getOrDefault(normalized, fallbackExtension(normalized));
      extensionByType.put(normalized, extension);
      typeByExtension.putIfAbsent(extension, normalized);
    }
    this.directoryReady = vertx.fileSystem().mkdirs(this.directory.toString());
  }

  @Override
  public Future<UploadGrant> grantUpload(String ownerId, String contentType, long size, Duration ttl) {
    String type = normalizeContentType(contentType);
    if (!extensionByType.containsKey(type)) {
      return Future.failedFuture(new Rejected("content type not allowed: " + contentType));
    }
    if (size <= 0 || size > maxSize) {
      return Future.failedFuture(new Rejected("size must be between 1 and " + maxSize + " bytes"));
    }
    String key = UUID.randomUUID() + "." + extensionByType.get(type);
    String path = PATH_PREFIX + key;
    long exp = clock.millis() + ttl.toMillis();
    String sig = sign("PUT", path, Long.toString(exp), type, Long.toString(size));
    String url = path + "?exp=" + exp + "&ct=" + URLEncoder.encode(type, StandardCharsets.UTF_8) + "&max=" + size
        + "&sig=" + sig;
    return Future.succeededFuture(new UploadGrant(url, path, exp));
  }

  @Override
  public Future<String> signedGetUrl(String mediaUrl, Duration ttl) {
    // Only the exact form grants give: a URL of another host that merely contains /media/ is not ours.
    String key = mediaUrl == null || !mediaUrl.startsWith(PATH_PREFIX) ? "" : mediaUrl.substring(PATH_PREFIX.length());
    if (!validKey(key)) {
      return Future.failedFuture(new Rejected("not a media URL of this store: " + mediaUrl));
    }
    long exp = clock.millis() + ttl.toMillis();
    String path = PATH_PREFIX + key;
    return Future.succeededFuture(path + "?exp=" + exp + "&sig=" + sign("GET", path, Long.toString(exp)));
  }

  /** Checks the query parameters of an upload URL for {@code key}. */
  public Check checkUpload(String key, String exp, String contentType, String max, String sig) {
    if (exp == null || contentType == null || max == null || sig == null || !validKey(key)) {
      return Check.BAD_SIGNATURE;
    }
    return check(sig, exp, "PUT", PATH_PREFIX + key, exp, contentType, max);
  }

  /** Checks the query parameters of a download URL for {@code key}. */
  public Check checkDownload(String key, String exp, String sig) {
    if (exp == null || sig == null || !validKey(key)) {
      return Check.BAD_SIGNATURE;
    }
    return check(sig, exp, "GET", PATH_PREFIX + key, exp);
  }

  public boolean allows(String contentType) {
    return contentType != null && extensionByType.containsKey(normalizeContentType(contentType));
  }

  /** The content type to serve a key with, from its extension. */
  public String contentTypeOf(String key) {
    int dot = key.lastIndexOf('.');
    return dot < 0 ? "application/octet-stream"
        : typeByExtension.getOrDefault(key.substring(dot + 1), "application/octet-stream");
  }

  public static boolean validKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** The file of a key; call only with a {@linkplain #validKey valid} key. */
  public Path fileOf(String key) {
    if (!validKey(key)) {
      throw new IllegalArgumentException("invalid media key");
    }
    return directory.resolve(key);
  }

  public Path directory() {
    return directory;
  }

  public long maxSize() {
    return maxSize;
  }

  /** Completes once the directory exists. */
  public Future<Void> ready() {
    return directoryReady;
  }

  /** Lower case, parameters (e.g. {@code ;charset=}) dropped: what grants and the PUT header are compared by. */
  public static String normalizeContentType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  private Check check(String sig, String exp, String... signed) {
    byte[] expected = sign(signed).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
      return Check.BAD_SIGNATURE;
    }
    try {
      return Long.parseLong(exp) > clock.millis() ? Check.OK : Check.EXPIRED;
    } catch (NumberFormatException e) {
      return Check.BAD_SIGNATURE; // cannot happen with a valid signature, but costs nothing to guard
    }
  }

  private String sign(String... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] digest = mac.doFinal(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
    }
  }

  private static String fallbackExtension(String contentType) {
    int slash = contentType.indexOf('/');
    String subtype = contentType.substring(slash + 1).replaceAll("[^a-z0-9]", "");
    return subtype.isEmpty() ? "bin" : subtype.substring(0, Math.min(10, subtype.length()));
  }

  /** An expected refusal (bad input from a client): no stack trace. */
  public static final class Rejected extends IllegalArgumentException {
    Rejected(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
