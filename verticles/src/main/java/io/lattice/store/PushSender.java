package io.lattice.store;

import io.vertx.core.Future;

/**
 * Sends an offline notification to a user's devices (webhook, FCM, Web Push...).
 *
 * <p>Contract (checked for every HTTP sender by {@code PushSenderContract}):
 * <ul>
 *   <li>Delivery: each of the user's devices (for a webhook: its one URL) gets the notification's
 *   {@code conversationId}, {@code messageId}, {@code senderId} and the preview cut to 200 characters (push services
 *   cap payloads; a preview is only a teaser). At least once per call as far as the sender can tell, so a receiver
 *   may see duplicates (collapsed by the service's topic / collapse key where it has one).</li>
 *   <li>Retries: a connection error, a timeout, a 5xx or a 429 is retried with exponential backoff and jitter,
 *   honouring a {@code Retry-After} in seconds, up to the sender's {@code maxAttempts} (the first included); then
 *   the notification is given up. Any other 4xx is final at once: repeating it will not help.</li>
 *   <li>Devices: senders that address devices ({@code io.lattice.notification.PushDevices}) complete at once,
 *   without a call, for a user with no device, and remove a device the service says is gone (FCM
 *   {@code UNREGISTERED}, Web Push 404/410) without retrying it; that counts as done, not as a failure. A final
 *   refusal that is not about the device (403 for a bad key, say) keeps the device.</li>
 *   <li>Result: the future succeeds when every device took the notification or was removed as gone; it fails, with
 *   the first failure, when any device was given up, so a caller that retries keeps at-least-once delivery.</li>
 *   <li>Threading: {@link #send} may be called from any thread; timers and responses run on the caller's context
 *   and the future completes there.</li>
 * </ul>
 * {@code LoggingPushSender} (development) only logs and succeeds: it reaches no service, so none of the retry and
 * device rules apply to it.
 */
public interface PushSender {

  record PushNotification(String userId, String conversationId, String messageId, String senderId, String preview) {
  }

  Future<Void> send(PushNotification notification);
}
