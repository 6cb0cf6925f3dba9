package io.lattice.store.embedded;

import io.lattice.media.MediaRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.lattice.store.BlobStore;
import io.lattice.store.BlobStore.UploadGrant;
import io.lattice.store.BlobStoreContract;
import io.lattice.store.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * FileBlobStore behind MediaRoutes, through a real HTTP server on 127.0.0.1: the {@link BlobStoreContract}, and
 * what only this adapter does (its refusal codes, chunked uploads, token downloads, the files on disk).
 */
class FileBlobStoreTest extends BlobStoreContract {

  private static final String SECRET = "test-secret-0123456789abcdef";

  @TempDir
  Path dir;
  private int port;

  @Override
  protected BlobStore createStore(Vertx vertx, MutableClock clock, List<String> types, long maxSize) {
    // As in a node: the store is opened on one verticle's context (the region's) and the HTTP server runs on another
    // one's (the gateway's), on another event loop, in strict thread mode. In the fat jar an upload once finished on
    // the store's context and could not write its response ("Only the context thread can write a message"); this
    // set-up did not reproduce that (the browser IT did), but keeps the contract running on a node's shape.
    FileBlobStore[] opened = new FileBlobStore[1];
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        opened[0] = new FileBlobStore(vertx, dir.resolve("media"), SECRET, types, maxSize, clock);
        return opened[0].ready();
      }
    }));
    FileBlobStore files = opened[0];
    HttpServer[] server = new HttpServer[1];
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        Router router = Router.router(vertx);
        MediaRoutes.mount(router, files, "good-token"::equals);
        return vertx.createHttpServer(new HttpServerOptions().setStrictThreadMode(true)).requestHandler(router)
            .listen(0, "127.0.0.1").onSuccess(s -> server[0] = s);
      }
    }));
    port = server[0].actualPort();
    return files;
  }

  @Override
  protected URI base() {
    return URI.create("http://127.0.0.1:" + port);
  }

  @Override
  protected void passExpiry(UploadGrant grant) {
    clock.advance(Duration.ofMillis(grant.expiresAt() - clock.millis() + 1000));
  }

  private FileBlobStore files() {
    return (FileBlobStore) store;
  }

  private static String code(HttpResponse<byte[]> response) {
    return new JsonObject(Buffer.buffer(response.body())).getString("code");
  }

  @Test
  void anUploadAnswers201WithItsMediaUrlAndLeavesNoTemporaryFile() throws Exception {
    UploadGrant grant = grant("image/png", 100);
    assertThat(grant.uploadUrl()).startsWith(grant.mediaUrl() + "?");
    assertThat(grant.expiresAt()).isEqualTo(clock.millis() + TTL.toMillis());

    HttpResponse<byte[]> uploaded = put(grant.uploadUrl(), "image/png", bytes(100));
    assertThat(uploaded.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(Buffer.buffer(uploaded.body())).getString("mediaUrl")).isEqualTo(grant.mediaUrl());
    try (Stream<Path> listed = Files.list(files().directory())) {
      assertThat(listed.map(p -> p.getFileName().toString()).toList()).containsExactly(
          grant.mediaUrl().substring("/media/".length()));
    }
  }

  @Test
  void refusalsSayWhy() throws Exception {
    UploadGrant grant = grant("image/png", 10);
    HttpResponse<byte[]> otherType = put(grant.uploadUrl(), "image/jpeg", bytes(10));
    assertThat(otherType.statusCode()).isEqualTo(400);
    assertThat(code(otherType)).isEqualTo("bad_content_type");
    HttpResponse<byte[]> tooLarge = put(grant.uploadUrl(), "image/png", bytes(11));
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(code(tooLarge)).isEqualTo("too_large");
    clock.advance(TTL.plusSeconds(1));
    HttpResponse<byte[]> expired = put(grant.uploadUrl(), "image/png", bytes(10));
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(code(expired)).isEqualTo("forbidden");
  }

  @Test
  void contentTypeParametersAreIgnored() throws Exception {
    // Only this adapter: S3 signs the Content-Type header as granted, parameters included (see BlobStore).
    UploadGrant grant = grant("image/png", 10);
    assertThat(put(grant.uploadUrl(), "image/png; charset=binary", bytes(10)).statusCode()).isEqualTo(201);
  }

  @Test
  void aTamperedSignatureIsForbidden() throws Exception {
    UploadGrant grant = grant("image/png", 10);
    String url = grant.uploadUrl();
    char last = url.charAt(url.length() - 1);
    String tampered = url.substring(0, url.length() - 1) + (last == 'A' ? 'B' : 'A');
    HttpResponse<byte[]> response = put(tampered, "image/png", bytes(10));
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
  void aChunkedUploadIsCutOffAtTheGrantedSize() throws Exception {
    UploadGrant grant = grant("image/png", 1000);
    Path source = Files.write(dir.resolve("big.bin"), bytes(4000));
    AsyncFile file = await(vertx.fileSystem().open(source.toString(), new OpenOptions().setRead(true)));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(port));
    // A stream without Content-Length goes out chunked: the size is only known while reading it.
    var response = await(client.put(grant.uploadUrl()).putHeader("Content-Type", "image/png").sendStream(file));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.bodyAsJsonObject().getString("code")).isEqualTo("too_large");
    assertThat(get(await(store.signedGetUrl(grant.mediaUrl(), TTL))).statusCode()).isEqualTo(404);
  }

  @Test
  void downloadsNeedAValidSignatureOrToken() throws Exception {
    byte[] body = bytes(100);
    UploadGrant grant = grant("image/jpeg", body.length);
    assertThat(put(grant.uploadUrl(), "image/jpeg", body).statusCode()).isEqualTo(201);
    String signed = await(store.signedGetUrl(grant.mediaUrl(), Duration.ofMinutes(1)));

    HttpResponse<byte[]> withToken = get(grant.mediaUrl() + "?token=good-token");
    assertThat(withToken.statusCode()).isEqualTo(200);
    assertThat(withToken.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    assertThat(withToken.body()).isEqualTo(body);
    assertThat(get(grant.mediaUrl() + "?token=bad-token").statusCode()).isEqualTo(403);
    assertThat(get(grant.mediaUrl()).statusCode()).isEqualTo(403);
    assertThat(get(signed.replace("sig=", "sig=x")).statusCode()).isEqualTo(403);
    assertThat(get("/media/unknown-key.png?token=good-token").statusCode()).isEqualTo(404);

    clock.advance(Duration.ofMinutes(2));
    HttpResponse<byte[]> expired = get(signed);
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(code(expired)).isEqualTo("forbidden");
  }
}
