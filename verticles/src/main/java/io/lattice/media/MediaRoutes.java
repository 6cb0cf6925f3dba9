package io.lattice.media;

import io.lattice.store.embedded.FileBlobStore;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.Context;

import java.util.UUID;
import java.util.function.Predicate;

/**
 * The HTTP side of {@link FileBlobStore}: {@code PUT /media/:key} with a granted upload URL, {@code GET
 * /media/:key} with a signed download URL or an access token.
 *
 * <p>Uploads are streamed to a temporary file in the media directory and moved into place only once complete, so
 * a reader never sees half a file and an aborted upload leaves nothing under the key. The body is never held in
 * memory: mount these routes before any {@code BodyHandler}, or exclude {@code /media} from it.
 */
public final class MediaRoutes {

  private MediaRoutes() {
  }

  /** @param tokenValid whether a {@code ?token=} (the client's access token) may download media */
  public static void mount(Router router, FileBlobStore store, Predicate<String> tokenValid) {
    router.put(FileBlobStore.PATH_PREFIX + ":key").handler(ctx -> upload(ctx, store));
    router.get(FileBlobStore.PATH_PREFIX + ":key").handler(ctx -> download(ctx, store, tokenValid));
  }

  /**
   * For stores the client uploads to directly (S3): {@code GET /media/:key} with the client's access token answers
   * 302 to a short-lived signed download URL of the store, so messages keep carrying {@code /media/<key>}.
   */
  public static void mountRedirect(Router router, io.lattice.store.BlobStore store, Predicate<String> tokenValid) {
    router.get(FileBlobStore.PATH_PREFIX + ":key").handler(ctx -> {
      String key = ctx.pathParam("key");
      String token = ctx.request().getParam("token");
      if (token == null || !FileBlobStore.validKey(key) || !tokenValid.test(token)) {
        fail(ctx, 403, "forbidden", "invalid or expired download URL");
        return;
      }
      store.signedGetUrl(FileBlobStore.PATH_PREFIX + key, java.time.Duration.ofMinutes(5)).onComplete(ar -> {
        if (ar.failed()) {
          fail(ctx, 404, "not_found", "no such media");
        } else {
          ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, ar.result())
              .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=60").end();
        }
      });
    });
  }

  private static void upload(RoutingContext ctx, FileBlobStore store) {
    HttpServerRequest request = ctx.request();
    request.pause(); // nothing may be read (and lost) before the file is open
    String key = ctx.pathParam("key");
    String contentType = request.getParam("ct");
    switch (store.checkUpload(key, request.getParam("exp"), contentType, request.getParam("max"),
        request.getParam("sig"))) {
      case BAD_SIGNATURE -> {
        fail(ctx, 403, "forbidden", "invalid upload signature");
        return;
      }
      case EXPIRED -> {
        fail(ctx, 403, "forbidden", "upload URL expired");
        return;
      }
      case OK -> {
      }
    }
    String sent = FileBlobStore.normalizeContentType(request.getHeader(HttpHeaders.CONTENT_TYPE));
    if (!sent.equals(contentType) || !store.allows(contentType)) {
      fail(ctx, 400, "bad_content_type", "Content-Type must be " + contentType);
      return;
    }
    long max = Long.parseLong(request.getParam("max")); // signed by us, so a number
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && parseLength(declared) > max) {
      fail(ctx, 413, "too_large", "the upload may be at most " + max + " bytes");
      return;
    }
    FileSystem fs = ctx.vertx().fileSystem();
    String target = store.fileOf(key).toString();
    String temp = store.directory().resolve(".upload-" + UUID.randomUUID() + ".part").toString();
    // store.ready() was created on the context that opened the store: composing on it would open the file, and
    // write the response, from that context's thread, which the gateway's strict thread mode refuses ("Only the
    // context thread can write a message"). Everything below runs on the request's own context.
    Context here = ctx.vertx().getOrCreateContext();
    store.ready().onComplete(ready -> here.runOnContext(v -> {
      if (ready.failed()) {
        fail(ctx, 500, "internal", "cannot store the upload");
        return;
      }
      fs.open(temp, new OpenOptions().setWrite(true).setCreateNew(true))
          .onSuccess(file -> new Upload(ctx, fs, file, temp, target, max).start())
          .onFailure(err -> fail(ctx, 500, "internal", "cannot store the upload"));
    }));
  }

  private static long parseLength(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static void download(RoutingContext ctx, FileBlobStore store, Predicate<String> tokenValid) {
    HttpServerRequest request = ctx.request();
    String key = ctx.pathParam("key");
    String token = request.getParam("token");
    boolean allowed = token != null
        ? FileBlobStore.validKey(key) && tokenValid.test(token)
        : store.checkDownload(key, request.getParam("exp"), request.getParam("sig")) == FileBlobStore.Check.OK;
    if (!allowed) {
      fail(ctx, 403, "forbidden", "invalid or expired download URL");
      return;
    }
    String file = store.fileOf(key).toString();
    ctx.vertx().fileSystem().exists(file).onComplete(exists -> {
      if (exists.failed() || !exists.result()) {
        fail(ctx, 404, "not_found", "no such media");
        return;
      }
      HttpServerResponse response = ctx.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, store.contentTypeOf(key))
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
          .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=300");
      response.sendFile(file).onFailure(err -> {
        if (!response.headWritten()) {
          fail(ctx, 404, "not_found", "no such media");
        }
      });
    });
  }

  static void fail(RoutingContext ctx, int status, String code, String message) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("code", code).put("message", message).encode());
  }

  /** One upload in flight: counts bytes as they stream to the temporary file, with backpressure. */
  private static final class Upload {
    private final RoutingContext ctx;
    private final FileSystem fs;
    private final AsyncFile file;
    private final String temp;
    private final String target;
    private final long max;
    private long received;
    private boolean aborted;

    Upload(RoutingContext ctx, FileSystem fs, AsyncFile file, String temp, String target, long max) {
      this.ctx = ctx;
      this.fs = fs;
      this.file = file;
      this.temp = temp;
      this.target = target;
      this.max = max;
    }

    void start() {
      HttpServerRequest request = ctx.request();
      file.exceptionHandler(err -> abort(500, "internal", "cannot store the upload"));
      request.exceptionHandler(err -> abort(400, "aborted", "the upload did not complete"));
      request.handler(chunk -> {
        if (aborted) {
          return; // discard what is still in flight until the connection closes
        }
        received += chunk.length();
        if (received > max) {
          // No Content-Length (chunked) or a lying one: stop here, and close rather than read the rest.
          ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
          abort(413, "too_large", "the upload may be at most " + max + " bytes");
          return;
        }
        file.write(chunk);
        if (file.writeQueueFull()) {
          request.pause();
          file.drainHandler(v -> request.resume());
        }
      });
      request.endHandler(v -> {
        if (aborted) {
          return;
        }
        file.close()
            .compose(closed -> fs.move(temp, target, new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
            .onSuccess(moved -> ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE,
                "application/json").end(new JsonObject().put("mediaUrl", FileBlobStore.PATH_PREFIX
                + ctx.pathParam("key")).put("size", received).encode()))
            .onFailure(err -> abort(500, "internal", "cannot store the upload"));
      });
      request.resume();
    }

    private void abort(int status, String code, String message) {
      if (aborted) {
        return;
      }
      aborted = true;
      file.close().transform(ignored -> fs.delete(temp)).onComplete(ignored -> {
      });
      fail(ctx, status, code, message);
      ctx.request().resume();
    }
  }
}
