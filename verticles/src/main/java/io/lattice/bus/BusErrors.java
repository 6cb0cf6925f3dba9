package io.lattice.bus;

import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * How failures cross the event bus. A handler's {@link ProtocolException} travels as a reply failure whose code is
 * the {@link ErrorCode} ordinal and whose message is a small JSON object (message, retryAfterMs); the gateway turns
 * it back with {@link #toProtocol}. Unexpected failures are logged here, once, and travel as {@code internal}.
 */
public final class BusErrors {
  private static final Logger LOG = LoggerFactory.getLogger(BusErrors.class);

  private BusErrors() {
  }

  /** A request handler from a function returning a future reply. */
  public static <T> io.vertx.core.Handler<Message<JsonObject>> handler(
      Function<JsonObject, Future<T>> handler) {
    return message -> {
      Future<T> result;
      try {
        result = handler.apply(message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          fail(message, ar.cause());
        }
      });
    };
  }

  public static void fail(Message<?> message, Throwable failure) {
    if (failure instanceof ProtocolException p) {
      message.fail(p.code().ordinal(), new JsonObject().put("message", p.getMessage())
          .put("retryAfterMs", p.retryAfterMs()).encode());
      return;
    }
    ProtocolException mapped = toProtocol(failure);
    if (mapped.code() == ErrorCode.INTERNAL) {
      LOG.error("{} failed", message.address(), failure);
    }
    message.fail(mapped.code().ordinal(), new JsonObject().put("message", mapped.getMessage()).encode());
  }

  /** The one mapping from any failure to a protocol error. */
  public static ProtocolException toProtocol(Throwable failure) {
    if (failure instanceof ProtocolException p) {
      return p;
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        ErrorCode code = ErrorCode.fromOrdinal(reply.failureCode());
        try {
          JsonObject detail = new JsonObject(reply.getMessage());
          return new ProtocolException(code, detail.getString("message", code.wire()),
              detail.getLong("retryAfterMs", 0L));
        } catch (DecodeException | ClassCastException | NullPointerException e) {
          return new ProtocolException(code, code.wire());
        }
      }
      return new ProtocolException(ErrorCode.UNAVAILABLE, "service unavailable, retry");
    }
    return new ProtocolException(ErrorCode.INTERNAL, "internal error");
  }
}
