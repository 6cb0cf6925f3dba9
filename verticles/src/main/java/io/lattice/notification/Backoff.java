package io.lattice.notification;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter", as {@link WebhookPushSender} does it: the delay before attempt
 * {@code next} (2, 3, ...) is half fixed, half random, doubled per attempt up to a cap; a {@code Retry-After} in
 * seconds lengthens it (never past the cap).
 */
final class Backoff {

  private final long baseMs;
  private final long maxMs;

  Backoff(long baseMs, long maxMs) {
    this.baseMs = Math.max(1, baseMs);
    this.maxMs = Math.max(this.baseMs, maxMs);
  }

  long delayBefore(int next, String retryAfter) {
    long exponential = baseMs << Math.min(next - 2, 30);
    long capped = Math.min(maxMs, exponential <= 0 ? maxMs : exponential);
    long delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    if (retryAfter != null) {
      try {
        delay = Math.max(delay, Math.min(maxMs, Long.parseLong(retryAfter.trim()) * 1000));
      } catch (NumberFormatException httpDate) {
        // An HTTP-date form: keep our own backoff.
      }
    }
    return Math.max(1, delay);
  }

  static String truncate(String preview, int max) {
    if (preview == null || preview.length() <= max) {
      return preview;
    }
    int end = max;
    if (Character.isHighSurrogate(preview.charAt(end - 1))) {
      end--;
    }
    return preview.substring(0, end) + "…";
  }
}
