package io.lattice.notification;

import io.lattice.store.PushSender;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link PushSender} that POSTs each notification as JSON to one URL (a push gateway, or a test endpoint).
 *
 * <p>Retries what may succeed later: connection errors and timeouts, 5xx and 429, with exponential backoff and
 * "equal jitter" (half the delay fixed, half random) so that many nodes retrying after one outage do not hit the
 * gateway in lockstep; a {@code Retry-After} in seconds lengthens the delay. Any other status is final: a 4xx will
 * not get better by repeating it. Timers and responses run on the caller's context, so the returned future
 * completes there.
 */
public final class WebhookPushSender implements PushSender {

  /** Push services cap payloads (a few KB); the preview is only a teaser. */
  static final int MAX_PREVIEW_CHARS = 200;

  private final Vertx vertx;
  private final WebClient client;
  private final String url;
  private final int maxAttempts;
  private final long baseBackoffMs;
  private final long maxBackoffMs;
  private final long timeoutMs;

  /** Backoff capped at 30 s, requests time out after 10 s. */
  public WebhookPushSender(Vertx vertx, String url, int maxAttempts, long backoffMs) {
    this(vertx, url, maxAttempts, Duration.ofMillis(backoffMs), Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  /**
   * @param maxAttempts attempts in all, the first included
   * @param baseBackoff the delay before the second attempt, doubled for each later one up to {@code maxBackoff}
   */
  public WebhookPushSender(Vertx vertx, String url, int maxAttempts, Duration baseBackoff, Duration maxBackoff,
                           Duration requestTimeout) {
    if (url == null || !URI.create(url).isAbsolute()) {
      throw new IllegalArgumentException("the webhook URL must be absolute: " + url);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    this.vertx = vertx;
    this.client = WebClient.create(vertx);
    this.url = url;
    this.maxAttempts = maxAttempts;
    this.baseBackoffMs = Math.max(1, baseBackoff.toMillis());
    this.maxBackoffMs = Math.max(baseBackoffMs, maxBackoff.toMillis());
    this.timeoutMs = requestTimeout.toMillis();
  }

  @Override
  public Future<Void> send(PushNotification notification) {
    JsonObject body = new JsonObject()
        .put("userId", notification.userId())
        .put("conversationId", notification.conversationId())
        .put("messageId", notification.messageId())
        .put("senderId", notification.senderId())
        .put("preview", truncate(notification.preview()));
    Context context = vertx.getOrCreateContext();
    Promise<Void> result = Promise.promise();
    context.runOnContext(v -> attempt(body, 1, result));
    return result.future();
  }

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  private void attempt(JsonObject body, int attempt, Promise<Void> result) {
    client.postAbs(url).timeout(timeoutMs).sendJsonObject(body).onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
        result.complete();
        return;
      }
      Throwable failure = ar.succeeded() ? new PushRejected(ar.result().statusCode()) : ar.cause();
      boolean retriable = ar.failed() || ar.result().statusCode() >= 500 || ar.result().statusCode() == 429;
      if (!retriable || attempt >= maxAttempts) {
        result.fail(failure);
        return;
      }
      long delay = delayBefore(attempt + 1, ar.succeeded() ? ar.result() : null);
      vertx.setTimer(delay, id -> attempt(body, attempt + 1, result));
    });
  }

  /** The delay before attempt {@code next} (2, 3, ...). */
  long delayBefore(int next, HttpResponse<Buffer> response) {
    long exponential = baseBackoffMs << Math.min(next - 2, 30);
    long capped = Math.min(maxBackoffMs, exponential <= 0 ? maxBackoffMs : exponential);
    long delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    String retryAfter = response == null ? null : response.getHeader("Retry-After");
    if (retryAfter != null) {
      try {
        delay = Math.max(delay, Math.min(maxBackoffMs, Long.parseLong(retryAfter.trim()) * 1000));
      } catch (NumberFormatException httpDate) {
        // An HTTP-date form: keep our own backoff.
      }
    }
    return Math.max(1, delay);
  }

  private static String truncate(String preview) {
    if (preview == null || preview.length() <= MAX_PREVIEW_CHARS) {
      return preview;
    }
    int end = MAX_PREVIEW_CHARS;
    if (Character.isHighSurrogate(preview.charAt(end - 1))) {
      end--;
    }
    return preview.substring(0, end) + "…";
  }

  /** The push gateway refused the notification for good, or kept failing until the attempts ran out. */
  public static final class PushRejected extends RuntimeException {
    private final int status;

    PushRejected(int status) {
      super("push webhook answered " + status);
      this.status = status;
    }

    public int status() {
      return status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
