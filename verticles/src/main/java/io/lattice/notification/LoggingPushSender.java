package io.lattice.notification;

import io.lattice.store.PushSender;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PushSender} for development and demos: logs the notification and succeeds. Logs ids only, not the
 * preview, so message content stays out of the logs.
 */
public final class LoggingPushSender implements PushSender {

  private static final Logger LOG = LoggerFactory.getLogger(LoggingPushSender.class);

  @Override
  public Future<Void> send(PushNotification n) {
    LOG.info("push user={} conversation={} message={} sender={}", n.userId(), n.conversationId(), n.messageId(),
        n.senderId());
    return Future.succeededFuture();
  }
}
