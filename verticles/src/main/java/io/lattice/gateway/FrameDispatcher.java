package io.lattice.gateway;

import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.Message;
import io.lattice.model.protocol.ClientFrame;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.FrameParser;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;

/**
 * Turns client frames into event-bus requests and their replies into frames. The gateway edge: every failure of a
 * frame, whatever raised it, becomes one {@code error} frame here (through {@link BusErrors#toProtocol}), and the
 * connection stays open.
 *
 * <p>Threading: runs on the gateway verticle's event loop.
 */
final class FrameDispatcher {
  private static final long TYPING_MIN_INTERVAL_MS = 1000;

  private final Vertx vertx;
  private final Connections connections;
  private final FrameParser parser;
  private final GatewayMetrics metrics;
  private final Clock clock;
  private final double sendRate;
  private final double sendBurst;
  private final DeliveryOptions requestOptions = new DeliveryOptions().setSendTimeout(10_000);
  private int inFlightRequests;
  private final io.lattice.store.RateLimiter rateLimiter;

  FrameDispatcher(Vertx vertx, Connections connections, JsonObject conf, GatewayMetrics metrics,
                  io.lattice.store.RateLimiter rateLimiter, Clock clock) {
    this.vertx = vertx;
    this.rateLimiter = rateLimiter;
    this.connections = connections;
    this.parser = new FrameParser(conf.getInteger("maxContentChars", 16 * 1024));
    this.metrics = metrics;
    this.clock = clock;
    JsonObject rate = conf.getJsonObject("rateLimit", new JsonObject());
    this.sendRate = rate.getDouble("perSecond", 20.0);
    this.sendBurst = rate.getDouble("burst", 40.0);
  }

  void onText(Connection connection, String text) {
    connection.lastSeenMillis = clock.millis();
    ClientFrame frame;
    try {
      frame = parser.parse(text);
    } catch (ProtocolException e) {
      replyError(connection, e, clientMsgIdOf(text, e));
      return;
    }
    if (frame instanceof ClientFrame.Send send) {
      send(connection, send);
    } else if (frame instanceof ClientFrame.Receipt receipt) {
      request(connection, "receipt", Addresses.RECEIPT_UPDATE, new JsonObject()
          .put("conversationId", receipt.conversationId())
          .put("messageIds", new JsonArray(receipt.messageIds()))
          .put("status", receipt.status().name()), false);
    } else if (frame instanceof ClientFrame.Sync sync) {
      if (sync.cursor() != null && !connection.resumeCounted) {
        connection.resumeCounted = true;
        metrics.resumed();
      }
      request(connection, "sync", Addresses.MESSAGE_SYNC, new JsonObject()
          .put("conversationId", sync.conversationId()).put("cursor", sync.cursor())
          .put("limit", sync.limit()), true);
    } else if (frame instanceof ClientFrame.Ping) {
      connection.write(ServerFrames.pong().encode());
    } else if (frame instanceof ClientFrame.Typing typing) {
      typing(connection, typing);
    } else if (frame instanceof ClientFrame.SubscribePresence subscribe) {
      subscribePresence(connection, subscribe);
    }
  }

  void onBinary(Connection connection) {
    connection.lastSeenMillis = clock.millis();
    replyError(connection, new ProtocolException(ErrorCode.BAD_JSON, "binary frames are not supported"), null);
  }

  /**
   * The per-user send rate: region-wide when a {@link io.lattice.store.RateLimiter} is configured (a user's devices
   * on several nodes share one bucket), else per node. If the shared limiter fails, the node's own bucket decides:
   * a rate-limit store outage must not stop chat. The shared limiter's replies come back in request order (one
   * pipelined connection), so a connection's sends keep their order.
   */
  private void send(Connection connection, ClientFrame.Send send) {
    if (rateLimiter == null) {
      admitted(connection, send, connections.takeSendToken(connection.userId, sendRate, sendBurst, clock.millis()));
      return;
    }
    rateLimiter.tryTake("send:" + connection.userId, sendRate, sendBurst).onComplete(ar -> admitted(connection, send,
        ar.succeeded() ? ar.result()
            : connections.takeSendToken(connection.userId, sendRate, sendBurst, clock.millis())));
  }

  private void admitted(Connection connection, ClientFrame.Send send, long wait) {
    if (wait > 0) {
      metrics.sendRefused(ErrorCode.RATE_LIMITED);
      replyError(connection, new ProtocolException(ErrorCode.RATE_LIMITED, "send rate exceeded", wait),
          send.clientMsgId());
      return;
    }
    long started = System.nanoTime();
    inFlightRequests++;
    JsonObject body = new JsonObject().put("userId", connection.userId).put("clientMsgId", send.clientMsgId())
        .put("conversationId", send.conversationId()).put("content", send.content())
        .put("mediaUrl", send.mediaUrl());
    vertx.eventBus().<JsonObject>request(Addresses.MESSAGE_SEND, body, requestOptions).onComplete(ar -> {
      inFlightRequests--;
      if (ar.succeeded()) {
        metrics.acked(System.nanoTime() - started);
        connection.write(ServerFrames.ack(send.clientMsgId(), Message.fromJson(ar.result().body())).encode());
      } else {
        ProtocolException error = BusErrors.toProtocol(ar.cause());
        metrics.sendRefused(error.code());
        replyError(connection, error, send.clientMsgId());
      }
    });
  }

  private void typing(Connection connection, ClientFrame.Typing typing) {
    long now = clock.millis();
    if (now - connection.lastTypingMillis < TYPING_MIN_INTERVAL_MS) {
      return;
    }
    connection.lastTypingMillis = now;
    request(connection, "typing", Addresses.CONVERSATION_TYPING, new JsonObject()
        .put("conversationId", typing.conversationId()), false);
  }

  private void subscribePresence(Connection connection, ClientFrame.SubscribePresence subscribe) {
    connections.subscribePresence(connection, subscribe.userIds());
    vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_GET,
        new JsonObject().put("userIds", new JsonArray(subscribe.userIds())), requestOptions).onComplete(ar -> {
          if (ar.succeeded()) {
            ar.result().body().getJsonArray("presence").forEach(p -> connection.write(((JsonObject) p).encode()));
          } else {
            replyError(connection, BusErrors.toProtocol(ar.cause()), null);
          }
        });
  }

  /** A request on behalf of the connection's user; the reply is written as a frame when {@code replyIsFrame}. */
  /**
   * A request whose failure answers with an error frame naming the request ({@code inReplyTo}) and its
   * conversation, so a client can tell which of its syncs or receipts failed (e.g. a conversation created in another
   * region that has not replicated here yet: {@code not_found}, worth retrying).
   */
  private void request(Connection connection, String frameType, String address, JsonObject body,
                       boolean replyIsFrame) {
    body.put("userId", connection.userId);
    inFlightRequests++;
    vertx.eventBus().<JsonObject>request(address, body, requestOptions).onComplete(ar -> {
      inFlightRequests--;
      if (ar.failed()) {
        ProtocolException error = BusErrors.toProtocol(ar.cause());
        metrics.error(error.code());
        connection.write(ServerFrames.error(error.code(), error.getMessage(), null, error.retryAfterMs())
            .put("inReplyTo", frameType).put("conversationId", body.getString("conversationId")).encode());
      } else if (replyIsFrame) {
        connection.write(ar.result().body().encode());
      }
    });
  }

  private void replyError(Connection connection, ProtocolException error, String clientMsgId) {
    metrics.error(error.code());
    connection.write(ServerFrames.error(error.code(), error.getMessage(), clientMsgId, error.retryAfterMs())
        .encode());
  }

  /** Best effort: a rejected send still names its clientMsgId, so the client knows which send failed. */
  private static String clientMsgIdOf(String text, ProtocolException e) {
    if (e.code() == ErrorCode.BAD_JSON || !text.contains("clientMsgId")) {
      return null;
    }
    try {
      Object id = new JsonObject(text).getValue("clientMsgId");
      return id instanceof String s && s.length() <= FrameParser.MAX_ID_LENGTH ? s : null;
    } catch (RuntimeException ignored) {
      return null;
    }
  }

  /** Requests still waiting for their reply: a draining node lets them finish before it closes sockets. */
  int inFlightRequests() {
    return inFlightRequests;
  }
}
