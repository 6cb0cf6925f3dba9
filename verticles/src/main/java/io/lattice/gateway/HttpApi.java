package io.lattice.gateway;

import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.store.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Duration;
import java.util.function.Function;

/**
 * The HTTP API under /api. Handlers parse, authenticate and forward over the event bus; every failure is answered
 * by {@link #fail} as JSON {@code {"code","message"}} with the code's status.
 */
final class HttpApi {
  static final String USER = "lattice.userId";
  private static final long MAX_BODY_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final Auth auth;
  private final BlobStore blobs;
  private final GatewayMetrics metrics;
  private final JsonObject conf;
  private final DeliveryOptions requestOptions = new DeliveryOptions().setSendTimeout(10_000);
  private RegionHealth regionHealth;

  HttpApi(Vertx vertx, Auth auth, BlobStore blobs, GatewayMetrics metrics, JsonObject conf) {
    this.vertx = vertx;
    this.auth = auth;
    this.blobs = blobs;
    this.metrics = metrics;
    this.conf = conf;
  }

  void mount(Router router) {
    router.route("/api/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES).setHandleFileUploads(false));
    if (conf.getJsonObject("auth", new JsonObject()).getBoolean("devTokens", false)) {
      router.post("/api/dev/token").handler(ctx -> respond(ctx, 200,
          Future.succeededFuture(auth.issue(body(ctx).getValue("userId")))));
    }
    regionHealth = new RegionHealth(vertx, conf.getString("region"), conf.getJsonArray("regions"),
        java.time.Clock.systemUTC());
    regionHealth.start(conf.getLong("regionProbeIntervalMs", 5_000L));
    router.get("/api/regions").handler(this::regions);
    if (conf.getBoolean("wanAdmin", false)) {
      mountWanAdmin(router);
    }
    router.route("/api/*").handler(this::authenticate);
    router.post("/api/token/refresh").handler(ctx -> respond(ctx, 200,
        Future.succeededFuture(auth.issue((Object) ctx.get(USER)))));
    router.post("/api/conversations").handler(this::createConversation);
    router.get("/api/conversations").handler(ctx -> forward(ctx, Addresses.CONVERSATION_LIST, new JsonObject()));
    router.get("/api/conversations/:id").handler(ctx -> forward(ctx, Addresses.CONVERSATION_GET,
        new JsonObject().put("conversationId", ctx.pathParam("id"))));
    router.get("/api/conversations/:id/messages").handler(this::history);
    router.post("/api/conversations/:id/members").handler(ctx -> forward(ctx, Addresses.CONVERSATION_MEMBERS,
        body(ctx).put("conversationId", ctx.pathParam("id"))));
    router.post("/api/conversations/:id/receipts").handler(ctx -> forward(ctx, Addresses.RECEIPT_QUERY,
        body(ctx).put("conversationId", ctx.pathParam("id"))));
    router.post("/api/media").handler(this::grantUpload);
    router.get("/api/presence/:userId").handler(ctx -> respond(ctx, 200, request(ctx, Addresses.PRESENCE_GET,
        new JsonObject().put("userIds", new JsonArray().add(ctx.pathParam("userId"))))
        .map(reply -> {
          JsonObject presence = reply.getJsonArray("presence").getJsonObject(0).copy();
          presence.remove("type");
          return presence;
        })));
    router.post("/api/push/devices").handler(ctx -> forward(ctx, Addresses.PUSH_DEVICES,
        body(ctx).put("op", "add")));
    router.delete("/api/push/devices").handler(ctx -> forward(ctx, Addresses.PUSH_DEVICES,
        body(ctx).put("op", "remove")));
    router.get("/api/receipts/:messageId").handler(ctx -> forward(ctx, Addresses.RECEIPT_GET,
        new JsonObject().put("messageId", ctx.pathParam("messageId"))));
    router.route("/api/*").handler(ctx -> fail(ctx, new ProtocolException(ErrorCode.NOT_FOUND, "no such endpoint")));
  }

  private void authenticate(RoutingContext ctx) {
    auth.verify(Auth.tokenOf(ctx.request())).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(USER, ar.result());
        ctx.next();
      } else {
        fail(ctx, ar.cause());
      }
    });
  }

  private void createConversation(RoutingContext ctx) {
    respondWith(ctx, request(ctx, Addresses.CONVERSATION_CREATE, body(ctx)),
        reply -> reply.getBoolean("created") ? 201 : 200, reply -> reply.getJsonObject("conversation"));
  }

  private void history(RoutingContext ctx) {
    int limit;
    try {
      limit = Integer.parseInt(ctx.request().getParam("limit", "50"));
    } catch (NumberFormatException e) {
      fail(ctx, new ProtocolException(ErrorCode.BAD_FIELD, "limit must be an integer"));
      return;
    }
    forward(ctx, Addresses.MESSAGE_HISTORY, new JsonObject().put("conversationId", ctx.pathParam("id"))
        .put("before", ctx.request().getParam("before")).put("limit", limit));
  }

  private void grantUpload(RoutingContext ctx) {
    JsonObject body = body(ctx);
    Object type = body.getValue("contentType");
    Object size = body.getValue("size");
    if (!(type instanceof String contentType) || !(size instanceof Number n) || n.longValue() <= 0) {
      fail(ctx, new ProtocolException(ErrorCode.BAD_FIELD, "contentType (string) and size (bytes) are required"));
      return;
    }
    long ttl = conf.getJsonObject("media", new JsonObject()).getLong("uploadTtlSeconds", 300L);
    respond(ctx, 200, blobs.grantUpload(ctx.get(USER), contentType, n.longValue(), Duration.ofSeconds(ttl))
        .map(grant -> new JsonObject().put("uploadUrl", grant.uploadUrl()).put("mediaUrl", grant.mediaUrl())
            .put("expiresAt", grant.expiresAt())));
  }

  private void regions(RoutingContext ctx) {
    JsonObject self = new JsonObject().put("region", conf.getString("region")).put("node", conf.getString("node"));
    ctx.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("regions", regionHealth.snapshot()).put("self", self).encode());
  }

  /**
   * The WAN simulator's controls (demo and test confs only: {@code wan.admin}); no authentication, so never enable
   * it where the gateway is reachable by others. {@code GET /admin/wan}, {@code POST /admin/wan/{link}/cut},
   * {@code .../restore}, {@code .../delay?ms=N}; {@code *} as the link means all of them.
   */
  private void mountWanAdmin(Router router) {
    router.get("/admin/wan").handler(ctx -> wanControl(ctx, new JsonObject().put("op", "status")));
    router.post("/admin/wan/:link/:op").handler(ctx -> {
      JsonObject request = new JsonObject().put("op", ctx.pathParam("op")).put("link", ctx.pathParam("link"));
      String ms = ctx.request().getParam("ms");
      if (ms != null) {
        try {
          request.put("oneWayDelayMs", Long.parseLong(ms));
        } catch (NumberFormatException e) {
          fail(ctx, new ProtocolException(ErrorCode.BAD_FIELD, "ms must be a number"));
          return;
        }
      }
      wanControl(ctx, request);
    });
  }

  private void wanControl(RoutingContext ctx, JsonObject request) {
    vertx.eventBus().<JsonObject>request(Addresses.WAN_CONTROL, request, requestOptions).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, new ProtocolException(ErrorCode.NOT_FOUND, "no WAN links in this region"));
        return;
      }
      JsonObject reply = ar.result().body();
      int status = reply.containsKey("error") ? 400 : 200;
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(reply.encode());
    });
  }

  private void forward(RoutingContext ctx, String address, JsonObject body) {
    respond(ctx, 200, request(ctx, address, body));
  }

  private Future<JsonObject> request(RoutingContext ctx, String address, JsonObject body) {
    body.put("userId", (String) ctx.get(USER));
    return vertx.eventBus().<JsonObject>request(address, body, requestOptions).map(m -> m.body());
  }

  private void respond(RoutingContext ctx, int status, Future<JsonObject> result) {
    respondWith(ctx, result, r -> status, Function.identity());
  }

  private void respondWith(RoutingContext ctx, Future<JsonObject> result, Function<JsonObject, Integer> status,
                           Function<JsonObject, JsonObject> payload) {
    // A store's future may complete on the context that opened the store; the gateway's strict thread mode only
    // lets the request's own event loop write the response, so the answer always hops back to it.
    io.vertx.core.Context here = vertx.getOrCreateContext();
    result.onComplete(ar -> here.runOnContext(v -> {
      if (ar.succeeded()) {
        ctx.response().setStatusCode(status.apply(ar.result())).putHeader("Content-Type", "application/json")
            .end(payload.apply(ar.result()).encode());
      } else {
        fail(ctx, ar.cause());
      }
    }));
  }

  /** The JSON body, or a bad_json failure (thrown, and answered by the router's failure handler). */
  private static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject json = ctx.body().asJsonObject();
      return json == null ? new JsonObject() : json;
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.BAD_JSON, "body is not a JSON object");
    }
  }

  void fail(RoutingContext ctx, Throwable failure) {
    ProtocolException error = BusErrors.toProtocol(failure);
    metrics.error(error.code());
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(error.code().httpStatus()).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("code", error.code().wire()).put("message", error.getMessage()).encode());
  }
}
