package io.lattice.store.embedded;

import io.lattice.media.MediaRoutes;
import io.lattice.store.BlobStore.UploadGrant;
import io.lattice.store.MutableClock;
import io.lattice.store.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** FileBlobStore behind MediaRoutes, through a real HTTP server on 127.0.0.1. */
@ExtendWith(VertxExtension.class)
class FileBlobStoreTest {

  private static final String SECRET = "test-secret-0123456789abcdef";
  private static final long MAX = 64 * 1024;
  private static final Duration TTL = Duration.ofMinutes(5);

  @TempDir
  Path dir;
  private Vertx vertx;
  private MutableClock clock;
  private FileBlobStore store;
  private WebClient client;

  @BeforeEach
  void start() {
    vertx = TestVertx.create();
    clock = MutableClock.startingNow();
    store = new FileBlobStore(vertx, dir.resolve("media"), SECRET, List.of("image/png", "IMAGE/JPEG"), MAX, clock);
    Router router = Router.router(vertx);
    MediaRoutes.mount(router, store, "good-token"::equals);
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.actualPort()));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private static Buffer bytes(int size) {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return Buffer.buffer(data);
  }

  private HttpResponse<Buffer> put(String url, String contentType, Buffer body) {
    return await(client.put(url).putHeader("Content-Type", contentType).sendBuffer(body));
  }

  private HttpResponse<Buffer> get(String url) {
    return await(client.get(url).send());
  }

  private UploadGrant grant(String contentType, long size) {
    return await(store.grantUpload("alice", contentType, size, TTL));
  }

  private static String code(HttpResponse<Buffer> response) {
    return new JsonObject(response.bodyAsString()).getString("code");
  }

  @Test
  void uploadWithAGrantThenDownloadWithASignedUrl() throws IOException {
    Buffer body = bytes(10_000);
    UploadGrant grant = grant("image/png", body.length());
    assertThat(grant.mediaUrl()).matches("/media/[A-Za-z0-9-]+\\.png");
    assertThat(grant.uploadUrl()).startsWith(grant.mediaUrl() + "?");
    assertThat(grant.expiresAt()).isEqualTo(clock.millis() + TTL.toMillis());

    HttpResponse<Buffer> uploaded = put(grant.uploadUrl(), "image/png", body);
    assertThat(uploaded.statusCode()).isEqualTo(201);
    assertThat(uploaded.bodyAsJsonObject().getString("mediaUrl")).isEqualTo(grant.mediaUrl());

    HttpResponse<Buffer> downloaded = get(await(store.signedGetUrl(grant.mediaUrl(), TTL)));
    assertThat(downloaded.statusCode()).isEqualTo(200);
    assertThat(downloaded.getHeader("Content-Type")).isEqualTo("image/png");
    assertThat(downloaded.body()).isEqualTo(body);
    try (Stream<Path> files = Files.list(store.directory())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(
          grant.mediaUrl().substring("/media/".length())); // no temporary file left behind
    }
  }

  @Test
  void aTamperedSignatureIsForbidden() {
    UploadGrant grant = grant("image/png", 10);
    String url = grant.uploadUrl();
    char last = url.charAt(url.length() - 1);
    String tampered = url.substring(0, url.length() - 1) + (last == 'A' ? 'B' : 'A');
    HttpResponse<Buffer> response = put(tampered, "image/png", bytes(10));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(code(response)).isEqualTo("forbidden");

    // Nor can the signed content type or size be changed.
    String otherType = url.replace("ct=image%2Fpng", "ct=image%2Fjpeg");
    assertThat(put(otherType, "image/jpeg", bytes(10)).statusCode()).isEqualTo(403);
    String bigger = url.replace("max=10", "max=1000");
    assertThat(put(bigger, "image/png", bytes(100)).statusCode()).isEqualTo(403);
    assertThat(put(grant.mediaUrl(), "image/png", bytes(10)).statusCode()).isEqualTo(403);
  }

  @Test
  void anExpiredGrantIsForbidden() {
    UploadGrant grant = grant("image/png", 10);
    clock.advance(TTL.plusSeconds(1));
    HttpResponse<Buffer> response = put(grant.uploadUrl(), "image/png", bytes(10));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(code(response)).isEqualTo("forbidden");
  }

  @Test
  void moreThanTheGrantedSizeIsTooLarge() {
    UploadGrant grant = grant("image/png", 10);
    HttpResponse<Buffer> response = put(grant.uploadUrl(), "image/png", bytes(11));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(code(response)).isEqualTo("too_large");
    assertThat(get(await(store.signedGetUrl(grant.mediaUrl(), TTL))).statusCode()).isEqualTo(404);
  }

  @Test
  void aChunkedUploadIsCutOffAtTheGrantedSize() throws IOException {
    UploadGrant grant = grant("image/png", 1000);
    Path source = Files.write(dir.resolve("big.bin"), bytes(4000).getBytes());
    AsyncFile file = await(vertx.fileSystem().open(source.toString(), new OpenOptions().setRead(true)));
    // A stream without Content-Length goes out chunked: the size is only known while reading it.
    HttpResponse<Buffer> response = await(client.put(grant.uploadUrl()).putHeader("Content-Type", "image/png")
        .sendStream(file));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(code(response)).isEqualTo("too_large");
    assertThat(get(await(store.signedGetUrl(grant.mediaUrl(), TTL))).statusCode()).isEqualTo(404);
  }

  @Test
  void theContentTypeMustBeTheGrantedOne() {
    UploadGrant grant = grant("image/png", 10);
    HttpResponse<Buffer> response = put(grant.uploadUrl(), "image/jpeg", bytes(10));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(code(response)).isEqualTo("bad_content_type");
    assertThat(put(grant.uploadUrl(), "image/png; charset=binary", bytes(10)).statusCode()).isEqualTo(201);
  }

  @Test
  void grantsAreOnlyForAllowedTypesAndSizes() {
    assertThat(awaitFailure(store.grantUpload("alice", "text/html", 10, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.grantUpload("alice", "image/png", MAX + 1, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.grantUpload("alice", "image/png", 0, TTL)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(grant("Image/JPEG", 10).mediaUrl()).endsWith(".jpg");
    assertThat(awaitFailure(store.signedGetUrl("/media/../../etc/passwd", TTL)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void downloadsNeedAValidSignatureOrToken() {
    Buffer body = bytes(100);
    UploadGrant grant = grant("image/jpeg", body.length());
    assertThat(put(grant.uploadUrl(), "image/jpeg", body).statusCode()).isEqualTo(201);
    String signed = await(store.signedGetUrl(grant.mediaUrl(), Duration.ofMinutes(1)));

    HttpResponse<Buffer> withToken = get(grant.mediaUrl() + "?token=good-token");
    assertThat(withToken.statusCode()).isEqualTo(200);
    assertThat(withToken.getHeader("Content-Type")).isEqualTo("image/jpeg");
    assertThat(withToken.body()).isEqualTo(body);
    assertThat(get(grant.mediaUrl() + "?token=bad-token").statusCode()).isEqualTo(403);
    assertThat(get(grant.mediaUrl()).statusCode()).isEqualTo(403);
    assertThat(get(signed.replace("sig=", "sig=x")).statusCode()).isEqualTo(403);
    assertThat(get("/media/unknown-key.png?token=good-token").statusCode()).isEqualTo(404);

    clock.advance(Duration.ofMinutes(2));
    HttpResponse<Buffer> expired = get(signed);
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(code(expired)).isEqualTo("forbidden");
  }
}
