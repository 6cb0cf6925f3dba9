package io.lattice.store;

import io.lattice.store.BlobStore.UploadGrant;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@link BlobStore} contract, for every adapter: extend it, implement {@link #createStore} and say where the
 * store's URLs are served. The granted URLs are used with a plain HTTP client, as a phone or browser would; the
 * statuses of refusals differ between adapters (400, 403, 413), so the contract asks only for a 4xx and for the
 * object not to exist afterwards.
 */
public abstract class BlobStoreContract {

  protected static final long MAX = 64 * 1024;
  protected static final Duration TTL = Duration.ofMinutes(5);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  protected Vertx vertx;
  protected MutableClock clock;
  protected BlobStore store;

  /** A store granting {@code image/png} and {@code image/jpeg} up to {@link #MAX} bytes, on {@code clock}. */
  protected abstract BlobStore createStore(Vertx vertx, MutableClock clock, List<String> types, long maxSize);

  /** Where relative URLs of the store are served (absolute ones are used as they are). */
  protected abstract URI base();

  /**
   * Returns once {@code grant} has expired for the server that checks its URLs: by moving {@code clock} for an
   * adapter that signs with it, by awaiting the wall clock for one whose server checks against real time.
   */
  protected abstract void passExpiry(UploadGrant grant);

  /** The TTL of the grant {@link #passExpiry} will be given: short where expiry has to be awaited. */
  protected Duration expiringTtl() {
    return TTL;
  }

  /** Now, as the adapter's signatures count it (its clock, unless it signs with the wall clock). */
  protected long now() {
    return clock.millis();
  }

  protected void closeStore(BlobStore store) {
  }

  @BeforeEach
  void openStore() {
    vertx = TestVertx.create();
    clock = MutableClock.startingNow();
    store = createStore(vertx, clock, List.of("image/png", "IMAGE/JPEG"), MAX);
  }

  @AfterEach
  void closeAll() {
    try {
      closeStore(store);
    } finally {
      await(vertx.close());
    }
  }

  protected static byte[] bytes(int size) {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return data;
  }

  protected HttpResponse<byte[]> put(String url, String contentType, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(base().resolve(url)).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  protected HttpResponse<byte[]> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(base().resolve(url)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  protected UploadGrant grant(String contentType, long size) {
    return await(store.grantUpload("alice", contentType, size, TTL));
  }

  private String download(UploadGrant grant) {
    return await(store.signedGetUrl(grant.mediaUrl(), TTL));
  }

  private static boolean success(HttpResponse<?> response) {
    return response.statusCode() / 100 == 2;
  }

  @Test
  void anUploadThroughTheGrantIsDownloadedThroughTheSignedUrl() throws Exception {
    byte[] image = bytes(10_000);
    long before = now();
    UploadGrant grant = grant("image/png", image.length);
    assertThat(grant.expiresAt()).isBetween(before + TTL.toMillis() - 1000, now() + TTL.toMillis() + 1000);

    assertThat(success(put(grant.uploadUrl(), "image/png", image))).isTrue();

    HttpResponse<byte[]> got = get(download(grant));
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(image);
    assertThat(got.headers().firstValue("Content-Type")).hasValue("image/png");
  }

  @Test
  void theMediaUrlIsSlashMediaSlashAnOpaqueNameWithTheTypesExtension() {
    assertThat(grant("image/png", 10).mediaUrl()).matches("/media/[A-Za-z0-9-]+\\.png");
    assertThat(grant("Image/JPEG", 10).mediaUrl()).matches("/media/[A-Za-z0-9-]+\\.jpg");
  }

  @Test
  void anotherContentTypeIsRefusedAndStoresNothing() throws Exception {
    UploadGrant grant = grant("image/png", 10);
    assertThat(put(grant.uploadUrl(), "image/jpeg", bytes(10)).statusCode()).isBetween(400, 499);
    assertThat(get(download(grant)).statusCode()).isEqualTo(404);
  }

  @Test
  void moreThanTheGrantedSizeIsRefusedAndStoresNothing() throws Exception {
    UploadGrant grant = grant("image/png", 10);
    assertThat(put(grant.uploadUrl(), "image/png", bytes(11)).statusCode()).isBetween(400, 499);
    assertThat(get(download(grant)).statusCode()).isEqualTo(404);
    // The refusal spends nothing: the genuine upload still works.
    assertThat(success(put(grant.uploadUrl(), "image/png", bytes(10)))).isTrue();
    assertThat(get(download(grant)).body()).isEqualTo(bytes(10));
  }

  @Test
  void anExpiredGrantIsRefused() throws Exception {
    UploadGrant grant = await(store.grantUpload("alice", "image/png", 10, expiringTtl()));
    passExpiry(grant);
    assertThat(put(grant.uploadUrl(), "image/png", bytes(10)).statusCode()).isEqualTo(403);
    assertThat(get(download(grant)).statusCode()).isEqualTo(404);
  }

  @Test
  void aDownloadUrlIsNotAnUploadUrl() throws Exception {
    UploadGrant grant = grant("image/png", 200);
    assertThat(success(put(grant.uploadUrl(), "image/png", bytes(200)))).isTrue();
    String download = download(grant);
    assertThat(put(download, "image/png", bytes(199)).statusCode()).isEqualTo(403);
    assertThat(get(download).body()).isEqualTo(bytes(200));
  }

  @Test
  void grantsNeverCollideWithinOrAcrossOwners() {
    Set<String> mediaUrls = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      String owner = i % 2 == 0 ? "alice" : "bob";
      mediaUrls.add(await(store.grantUpload(owner, "image/png", 10, TTL)).mediaUrl());
    }
    assertThat(mediaUrls).hasSize(50);
  }

  @Test
  void onlyAllowedTypesAndSizesAreGranted() {
    assertThat(awaitFailure(store.grantUpload("alice", "text/html", 10, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.grantUpload("alice", "image/png", MAX + 1, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.grantUpload("alice", "image/png", 0, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnknownMediaUrlIsSignedButNotFound() throws Exception {
    assertThat(get(await(store.signedGetUrl("/media/never-uploaded.png", TTL))).statusCode()).isEqualTo(404);
  }

  @Test
  void aForeignOrMalformedMediaUrlFailsCleanly() {
    for (String foreign : List.of("https://elsewhere.example/media/a.png", "/media/../secret",
        "/media/a%2Fb.png", "/media/", "/other/a.png", "")) {
      assertThat(awaitFailure(store.signedGetUrl(foreign, TTL))).as(foreign)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(awaitFailure(store.signedGetUrl(null, TTL))).isInstanceOf(IllegalArgumentException.class);
  }
}
