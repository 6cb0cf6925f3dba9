package io.lattice.store.s3;

import io.lattice.store.BlobStore;
import io.lattice.store.BlobStore.UploadGrant;
import io.lattice.store.BlobStoreContract;
import io.lattice.store.MutableClock;
import io.lattice.store.TestVertx;
import io.lattice.testinfra.S3Server;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner.AuthLocation;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * S3BlobStore against a real S3-compatible server (S3Proxy, started as its own process on loopback, with SigV4
 * checking on): the {@link BlobStoreContract}, and what only this adapter does (the presigned URLs' shape, the
 * server's refusal of a tampered signature or of another key, a CDN, the bucket check).
 *
 * <p>S3 checks expiry against the wall clock, not the store's clock: the contract's expired grant is a one-second
 * one whose expiry is awaited.
 */
class S3BlobStoreTest extends BlobStoreContract {

  private static final String BUCKET = "lattice-media-test";

  private static S3Server server;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3Server.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected BlobStore createStore(Vertx vertx, MutableClock clock, List<String> types, long maxSize) {
    S3BlobStore s3 = S3BlobStore.fromConfig(vertx, conf(null), types, maxSize, clock);
    await(s3.checkBucket());
    return s3;
  }

  @Override
  protected void closeStore(BlobStore store) {
    if (store != null) {
      await(((S3BlobStore) store).close());
    }
  }

  @Override
  protected URI base() {
    return URI.create(server.endpoint());
  }

  @Override
  protected Duration expiringTtl() {
    return Duration.ofSeconds(1);
  }

  @Override
  protected void passExpiry(UploadGrant grant) {
    // SigV4 counts in whole seconds from X-Amz-Date: a second past expiresAt is past it for the server too.
    TestVertx.eventually("the grant's expiry on the wall clock",
        () -> System.currentTimeMillis() > grant.expiresAt() + 1000);
  }

  @Override
  protected long now() {
    return System.currentTimeMillis();
  }

  private S3BlobStore s3() {
    return (S3BlobStore) store;
  }

  private static JsonObject conf(String cdn) {
    return new JsonObject().put("endpoint", server.endpoint()).put("region", "us-east-1").put("bucket", BUCKET)
        .put("pathStyle", true).put("accessKeyId", S3Server.ACCESS_KEY).put("secretAccessKey", S3Server.SECRET_KEY)
        .put("cdnBaseUrl", cdn).put("createBucket", true);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void theGrantIsAPresignedPutSigningContentTypeAndLength() {
    UploadGrant grant = await(store.grantUpload("alice", "image/png", 10, Duration.ofSeconds(120)));
    assertThat(grant.uploadUrl()).startsWith(server.endpoint() + "/" + BUCKET + "/media/")
        .contains("X-Amz-Expires=120").contains("X-Amz-Signature=");
    // Content type and length are part of what is signed, so a client cannot change them.
    assertThat(URI.create(grant.uploadUrl()).getQuery()).containsPattern("X-Amz-SignedHeaders=[^&]*content-length")
        .containsPattern("X-Amz-SignedHeaders=[^&]*content-type");
  }

  @Test
  void contentTypeParametersBreakTheSignature() throws Exception {
    // The documented limit (see BlobStore): the client sends the content type exactly as granted.
    UploadGrant grant = await(store.grantUpload("alice", "image/png", 10, Duration.ofSeconds(60)));
    assertThat(put(grant.uploadUrl(), "image/png; charset=binary", bytes(10)).statusCode()).isEqualTo(403);
  }

  @Test
  void theServerRefusesATamperedSignatureOrAnotherKey() throws Exception {
    byte[] image = bytes(1000, 2);
    UploadGrant grant = await(store.grantUpload("alice", "image/jpeg", image.length, Duration.ofSeconds(60)));

    HttpResponse<byte[]> otherType = put(grant.uploadUrl(), "text/html", image);
    assertThat(otherType.statusCode()).isEqualTo(403);
    assertThat(new String(otherType.body())).contains("SignatureDoesNotMatch");

    String url = grant.uploadUrl();
    int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
    String tampered = url.substring(0, at) + (url.charAt(at) == '0' ? '1' : '0') + url.substring(at + 1);
    assertThat(put(tampered, "image/jpeg", image).statusCode()).isEqualTo(403);

    // Another key under the same signature: refused too.
    String otherKey = url.replace("/media/", "/media/x");
    assertThat(put(otherKey, "image/jpeg", image).statusCode()).isEqualTo(403);

    // None of the refused uploads created the object; the genuine one still works.
    String download = await(store.signedGetUrl(grant.mediaUrl(), Duration.ofSeconds(60)));
    assertThat(get(download).statusCode()).isEqualTo(404);
    assertThat(put(url, "image/jpeg", image).statusCode()).isEqualTo(200);
    assertThat(get(download).body()).isEqualTo(image);
  }

  @Test
  void theServerRefusesAnExpiredUrl() throws Exception {
    byte[] image = bytes(300, 3);
    UploadGrant grant = await(store.grantUpload("alice", "image/png", image.length, Duration.ofSeconds(60)));
    assertThat(put(grant.uploadUrl(), "image/png", image).statusCode()).isEqualTo(200);
    String key = s3().keyOf(grant.mediaUrl());

    // A download URL signed correctly, but two hours ago for 60 s: what a leaked old URL looks like.
    URI object = URI.create(server.endpoint() + "/" + BUCKET + "/" + key);
    Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    URI expired = presignGet(object, twoHoursAgo, Duration.ofSeconds(60));
    URI fresh = presignGet(object, Clock.systemUTC(), Duration.ofSeconds(60));

    HttpResponse<byte[]> refused = get(expired.toString());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new String(refused.body())).containsIgnoringCase("expired");
    // The same signing code with the current time works, so the refusal is the expiry, not the signing.
    assertThat(get(fresh.toString()).body()).isEqualTo(image);
  }

  @Test
  void aCdnBaseUrlReplacesThePresignedGet() {
    S3BlobStore cdn = S3BlobStore.fromConfig(vertx, conf("https://cdn.example.test/m/"), List.of("image/png"),
        1000, Clock.systemUTC());
    try {
      UploadGrant grant = await(cdn.grantUpload("alice", "image/png", 10, Duration.ofSeconds(60)));
      String key = cdn.keyOf(grant.mediaUrl());
      assertThat(await(cdn.signedGetUrl(grant.mediaUrl(), Duration.ofSeconds(60))))
          .isEqualTo("https://cdn.example.test/m/" + key);
    } finally {
      await(cdn.close());
    }
  }

  @Test
  void aMissingBucketFailsTheCheckOffTheEventLoop() {
    JsonObject missing = conf(null).put("bucket", "no-such-bucket").put("createBucket", false);
    S3BlobStore bad = S3BlobStore.fromConfig(vertx, missing, List.of("image/png"), 1000,
        Clock.systemUTC());
    try {
      assertThat(awaitFailure(bad.checkBucket())).hasMessageContaining("404");
    } finally {
      await(bad.close());
    }
  }

  private static URI presignGet(URI object, Clock clock, Duration validFor) {
    return AwsV4HttpSigner.create().sign(r -> r
            .identity(AwsCredentialsIdentity.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY))
            .request(SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(object).build())
            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
            .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
            .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AuthLocation.QUERY_STRING)
            .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, validFor)
            .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)
            .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
            .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
            .putProperty(HttpSigner.SIGNING_CLOCK, clock))
        .request().getUri();
  }
}
