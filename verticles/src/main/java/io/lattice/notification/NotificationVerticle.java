package io.lattice.notification;

import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.Message;
import io.lattice.store.PushSender;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline push: for each recipient with no live session, one notification through the configured
 * {@link PushSender}. Pushes are best effort on top of the durable path: a push that is given up loses nothing,
 * since the message is stored and the next sync brings it.
 */
public final class NotificationVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationVerticle.class);
  static final int PREVIEW_CHARS = 100;

  private final PushSender sender;
  private final PushRegistry devices;

  public NotificationVerticle(PushSender sender, PushRegistry devices) {
    this.sender = sender;
    this.devices = devices;
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    return Future.all(
        bus.<JsonObject>localConsumer(Addresses.NOTIFY_OFFLINE, m -> notifyOffline(m.body())).completion(),
        bus.localConsumer(Addresses.PUSH_DEVICES, BusErrors.handler(devices::handle)).completion());
  }

  private void notifyOffline(JsonObject event) {
    Message message = Message.fromJson(event.getJsonObject("message"));
    String content = message.content() == null ? "" : message.content();
    String preview = content.length() > PREVIEW_CHARS ? content.substring(0, PREVIEW_CHARS) + "…" : content;
    for (Object userId : event.getJsonArray("userIds")) {
      sender.send(new PushSender.PushNotification((String) userId, message.conversationId(), message.messageId(),
              message.senderId(), preview))
          .onFailure(e -> LOG.warn("push to {} for {} given up: {}", userId, message.messageId(), e.toString()));
    }
  }
}
