package io.lattice.store;

import io.vertx.core.Future;

/**
 * Sends an offline notification to a user's devices (webhook, FCM, Web Push...).
 *
 * <p>Contract: at-least-once per call as far as the implementation can tell (it retries transient failures with
 * backoff); the future fails only when the notification is given up. Payloads carry ids and a preview, never more
 * than the push service allows. Futures complete on the caller's context.
 */
public interface PushSender {

  record PushNotification(String userId, String conversationId, String messageId, String senderId, String preview) {
  }

  Future<Void> send(PushNotification notification);
}
