package io.lattice.store.s3;

import io.lattice.store.BlobStore;
import io.lattice.store.embedded.FileBlobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.model.PutObjectPresignRequest;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@link BlobStore} on an S3 bucket (AWS S3 or any S3-compatible server: MinIO, Ceph RGW, R2, S3Proxy...), reached by
 * the clients through SigV4 presigned URLs.
 *
 * <p>A grant is a presigned {@code PUT} of one fresh key whose signature covers the {@code Content-Type} and
 * {@code Content-Length} headers: the client must send exactly the content type and size it declared, or S3 answers
 * 403 {@code SignatureDoesNotMatch}. The expiry is in the signature too ({@code X-Amz-Expires}); SigV4 caps it at 7
 * days. The {@code mediaUrl} a message carries is {@code /media/<name>}, the same shape as with the embedded
 * store (so the protocol and the clients do not depend on the backend, and a message never holds an expiring link):
 * the gateway answers {@code GET /media/<name>} (with the client's token) by redirecting to {@link #signedGetUrl},
 * a presigned {@code GET} of {@code keyPrefix + name}, or {@code cdnBaseUrl/key} when a CDN fronts the bucket (the
 * CDN then does its own access control, if any).
 *
 * <p>Presigning is local computation (an HMAC chain) and runs on the caller's thread; the only network call,
 * {@link #checkBucket}, runs on a worker thread. Keys are {@code keyPrefix + UUID + extension}, as in
 * {@link FileBlobStore}, and only the configured content types are granted.
 *
 * <p>Conf ({@link #fromConfig}), under {@code media}:
 * <pre>{@code
 * {"media": {"backend": "s3", "allowedTypes": ["image/png", "image/jpeg"], "maxBytes": 10485760,
 *            "uploadTtlSeconds": 300,
 *            "s3": {"endpoint": null, "region": "us-east-1", "bucket": "lattice-media", "pathStyle": false,
 *                   "accessKeyId": null, "secretAccessKey": null, "cdnBaseUrl": null, "keyPrefix": "media/",
 *                   "createBucket": false}}}
 * }</pre>
 * {@code endpoint} null means AWS itself; credentials left null come from the SDK's default chain
 * ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profile, instance role): never put them in a committed
 * conf file.
 */
public final class S3BlobStore implements BlobStore {

  private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9-]{1,64}(\\.[a-z0-9]{1,10})?");
  private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9_-]+/)*");
  /** SigV4 refuses presigned URLs valid for longer. */
  static final Duration MAX_TTL = Duration.ofDays(7);

  private final Vertx vertx;
  private final S3Presigner presigner;
  private final S3Client client;
  private final String bucket;
  private final String keyPrefix;
  private final String cdnBaseUrl;
  private final Map<String, String> extensionByType = new LinkedHashMap<>();
  private final long maxSize;
  /**
   * Not used for signing: the SDK's presigner takes the wall clock, and S3 checks expiry against its own, so a test
   * clock could not move this store's expiry anyway (see the limits in {@link BlobStore}). Kept so both media
   * backends are built alike.
   */
  private final Clock clock;
  private volatile boolean createBucket;

  /**
   * @param presigner signs the URLs (owned by this store from now on: {@link #close} closes it)
   * @param client for {@link #checkBucket} only; may be null (then the check is skipped)
   * @param keyPrefix prepended to every key, e.g. {@code media/}; empty or ending in '/'
   * @param cdnBaseUrl when not null, downloads are {@code cdnBaseUrl + "/" + key} instead of presigned GETs
   */
  public S3BlobStore(Vertx vertx, S3Presigner presigner, S3Client client, String bucket, String keyPrefix,
                     String cdnBaseUrl, Collection<String> allowedContentTypes, long maxSize, Clock clock) {
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("media.s3.bucket is required");
    }
    if (maxSize <= 0) {
      throw new IllegalArgumentException("maxSize must be positive");
    }
    String prefix = keyPrefix == null ? "" : keyPrefix;
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("keyPrefix must be empty or path segments ending in '/': " + keyPrefix);
    }
    this.vertx = vertx;
    this.presigner = presigner;
    this.client = client;
    this.bucket = bucket;
    this.keyPrefix = prefix;
    this.cdnBaseUrl = cdnBaseUrl == null || cdnBaseUrl.isBlank() ? null : cdnBaseUrl.replaceAll("/+$", "");
    this.maxSize = maxSize;
    this.clock = clock;
    for (String type : allowedContentTypes) {
      String normalized = FileBlobStore.normalizeContentType(type);
      extensionByType.put(normalized, extensionOf(normalized));
    }
  }

  /**
   * Builds the store from the {@code media.s3} conf block (see the class comment).
   *
   * @param s3 the {@code media.s3} object
   */
  public static S3BlobStore fromConfig(Vertx vertx, JsonObject s3, Collection<String> allowedContentTypes,
                                       long maxSize, Clock clock) {
    Region region = Region.of(s3.getString("region", "us-east-1"));
    boolean pathStyle = s3.getBoolean("pathStyle", false);
    String endpoint = s3.getString("endpoint");
    AwsCredentialsProvider credentials = s3.getString("accessKeyId") != null
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.getString("accessKeyId"),
            s3.getString("secretAccessKey")))
        : DefaultCredentialsProvider.builder().build();
    S3Configuration serviceConf = S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build();
    S3Presigner.Builder presigner = S3Presigner.builder().region(region).credentialsProvider(credentials)
        .serviceConfiguration(serviceConf);
    // Only when required: S3-compatible servers do not all know the flexible checksums the SDK sends by default.
    var clientBuilder = S3Client.builder().region(region).credentialsProvider(credentials)
        .serviceConfiguration(serviceConf).httpClientBuilder(UrlConnectionHttpClient.builder())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (endpoint != null) {
      presigner.endpointOverride(URI.create(endpoint));
      clientBuilder.endpointOverride(URI.create(endpoint));
    }
    S3BlobStore store = new S3BlobStore(vertx, presigner.build(), clientBuilder.build(), s3.getString("bucket"),
        s3.getString("keyPrefix", "media/"), s3.getString("cdnBaseUrl"), allowedContentTypes, maxSize, clock);
    store.createBucket = s3.getBoolean("createBucket", false);
    return store;
  }

  @Override
  public Future<UploadGrant> grantUpload(String ownerId, String contentType, long size, Duration ttl) {
    String type = FileBlobStore.normalizeContentType(contentType);
    if (!extensionByType.containsKey(type)) {
      return Future.failedFuture(new Rejected("content type not allowed: " + contentType));
    }
    if (size <= 0 || size > maxSize) {
      return Future.failedFuture(new Rejected("size must be between 1 and " + maxSize + " bytes"));
    }
    Duration validFor = clampTtl(ttl);
    String key = keyPrefix + UUID.randomUUID() + "." + extensionByType.get(type);
    try {
      PresignedPutObjectRequest presigned = presigner.presignPutObject(PutObjectPresignRequest.builder()
          .signatureDuration(validFor)
          .putObjectRequest(PutObjectRequest.builder().bucket(bucket).key(key).contentType(type)
              .contentLength(size).build())
          .build());
      return Future.succeededFuture(new UploadGrant(presigned.url().toString(), mediaUrlOf(key),
          presigned.expiration().toEpochMilli()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<String> signedGetUrl(String mediaUrl, Duration ttl) {
    String key = keyOf(mediaUrl);
    if (key == null) {
      return Future.failedFuture(new Rejected("not a media URL of this store: " + mediaUrl));
    }
    if (cdnBaseUrl != null) {
      return Future.succeededFuture(cdnBaseUrl + "/" + key);
    }
    try {
      return Future.succeededFuture(presigner.presignGetObject(GetObjectPresignRequest.builder()
          .signatureDuration(clampTtl(ttl))
          .getObjectRequest(GetObjectRequest.builder().bucket(bucket).key(key).build())
          .build()).url().toString());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Checks, on a worker thread, that the bucket exists and the credentials reach it ({@code HEAD bucket}); creates
   * it first when {@code createBucket} is set (development and tests). Call at start to fail fast on a bad conf.
   */
  public Future<Void> checkBucket() {
    if (client == null) {
      return Future.succeededFuture();
    }
    boolean create = createBucket;
    return vertx.executeBlocking(() -> {
      try {
        client.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
      } catch (NoSuchBucketException e) {
        if (!create) {
          throw e;
        }
        createBucket();
      } catch (S3Exception e) {
        if (!create || e.statusCode() != 404) {
          throw e;
        }
        createBucket();
      }
      return null;
    }, false);
  }

  /** Several nodes of a region start at once: the one that loses the race finds the bucket created, which is fine. */
  private void createBucket() {
    try {
      client.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
    } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException e) {
      // created by another node meanwhile
    }
  }

  /** Sets whether {@link #checkBucket} creates a missing bucket. */
  public S3BlobStore createBucketIfMissing(boolean create) {
    this.createBucket = create;
    return this;
  }

  /** The object key a {@code mediaUrl} of this store names, or null if it is not one. */
  public String keyOf(String mediaUrl) {
    String prefix = FileBlobStore.PATH_PREFIX;
    if (mediaUrl == null || !mediaUrl.startsWith(prefix)) {
      return null;
    }
    String name = mediaUrl.substring(prefix.length());
    return KEY_NAME.matcher(name).matches() ? keyPrefix + name : null;
  }

  public String bucket() {
    return bucket;
  }

  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      presigner.close();
      if (client != null) {
        client.close();
      }
      return null;
    }, false);
  }

  private String mediaUrlOf(String key) {
    return FileBlobStore.PATH_PREFIX + key.substring(keyPrefix.length());
  }

  private static Duration clampTtl(Duration ttl) {
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive");
    }
    return ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
  }

  private static String extensionOf(String contentType) {
    // The same extensions as FileBlobStore, so both backends name media alike.
    return switch (contentType) {
      case "image/jpeg" -> "jpg";
      case "image/png" -> "png";
      case "image/gif" -> "gif";
      case "image/webp" -> "webp";
      case "image/heic" -> "heic";
      case "video/mp4" -> "mp4";
      case "video/webm" -> "webm";
      case "video/quicktime" -> "mov";
      case "audio/mpeg" -> "mp3";
      case "audio/ogg" -> "ogg";
      case "audio/mp4" -> "m4a";
      case "audio/webm" -> "weba";
      case "application/pdf" -> "pdf";
      case "text/plain" -> "txt";
      default -> {
        String subtype = contentType.substring(contentType.indexOf('/') + 1).replaceAll("[^a-z0-9]", "");
        yield subtype.isEmpty() ? "bin" : subtype.substring(0, Math.min(10, subtype.length()));
      }
    };
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
