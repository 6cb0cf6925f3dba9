package io.lattice.gateway;

import io.lattice.NodeIdentity;
import io.lattice.media.MediaRoutes;
import io.lattice.model.Addresses;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.lattice.store.BlobStore;
import io.lattice.store.embedded.FileBlobStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The region's edge on this node: WebSocket at /ws, SockJS at /sockjs, the HTTP API, the web client, /health and
 * /metrics. Owns the node's client connections; everything else is asked over the event bus.
 *
 * <p>Frames for users on this node arrive at {@link Addresses#gatewayNode} (one message per node, not per
 * connection) and are written with backpressure by {@link Connection}.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  static final short CLOSE_GOING_AWAY = 1001;
  static final short CLOSE_TOO_BIG = 1009;

  private final NodeIdentity node;
  private final BlobStore blobs;
  private final Clock clock;
  private final Connections connections = new Connections();
  private Auth auth;
  private FrameDispatcher dispatcher;
  private HttpApi api;
  private GatewayMetrics metrics;
  private HttpServer server;
  private Admission admission;
  private long nextConnectionId;
  private int heartbeatSeconds;
  private int outboxLimit;
  private int maxFrameBytes;
  private boolean strictThreadMode;

  private final io.lattice.store.RateLimiter rateLimiter;

  public GatewayVerticle(NodeIdentity node, BlobStore blobs, Clock clock) {
    this(node, blobs, null, clock);
  }

  /** @param rateLimiter region-wide send buckets, or null for per-node buckets */
  public GatewayVerticle(NodeIdentity node, BlobStore blobs, io.lattice.store.RateLimiter rateLimiter, Clock clock) {
    this.rateLimiter = rateLimiter;
    this.node = node;
    this.blobs = blobs;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    heartbeatSeconds = conf.getInteger("heartbeatSeconds", 30);
    outboxLimit = conf.getInteger("outboxLimit", 2000);
    auth = new Auth(vertx, conf.getJsonObject("auth", new JsonObject()), clock);
    metrics = new GatewayMetrics(node.region(), node.nodeId(), connections::size);
    dispatcher = new FrameDispatcher(vertx, connections, conf, metrics, rateLimiter, clock);
    api = new HttpApi(vertx, auth, blobs, metrics, conf);
    admission = new Admission(vertx, conf, metrics, clock);

    var bus = vertx.eventBus();
    bus.<JsonObject>consumer(Addresses.gatewayNode(node.nodeId()), m -> deliver(m.body()));
    bus.<JsonObject>consumer(Addresses.PRESENCE_CHANGED, m -> presenceChanged(m.body()));
    long round = Math.max(500, Math.min(heartbeatSeconds, 20) * 1000L / 2);
    vertx.setPeriodic(round, id -> heartbeatRound());
    admission.startShedding(connections::all);

    maxFrameBytes = conf.getInteger("maxFrameBytes", 64 * 1024);
    // Vert.x's own limits are a hard backstop well above ours: a frame over Vert.x's limit ends the connection
    // abruptly (the unread bytes reset it before the client reads the close frame), while one over ours has been
    // read whole, so our 1009 close reaches the client cleanly.
    int hardLimit = Math.max(maxFrameBytes * 16, 1 << 20);
    // Strict thread mode covers the WebSockets too (DirectWebSocketWrites): Vert.x 5.0.7 does not pass it to them.
    strictThreadMode = conf.getBoolean("strictThreadMode", true);
    HttpServerOptions options = new HttpServerOptions().setHost(conf.getString("host", "127.0.0.1"))
        .setPort(conf.getInteger("port", 8081)).setMaxWebSocketFrameSize(hardLimit)
        .setMaxWebSocketMessageSize(hardLimit).setCompressionSupported(true)
        // Strict thread mode: every write happens on this verticle's event loop anyway, and it spares each
        // connection an outbound MPSC queue whose first chunk alone is 4 KiB (docs/performance.md, idle connections).
        .setStrictThreadMode(strictThreadMode)
        // permessage-deflate costs every socket that negotiates it (all browsers offer it) a zlib deflater and
        // inflater outside the heap, ~300 KiB, for frames of a few hundred bytes: off unless configured.
        .setPerMessageWebSocketCompressionSupported(conf.getBoolean("webSocketCompression", false))
        .setPerFrameWebSocketCompressionSupported(false);
    return vertx.createHttpServer(options).requestHandler(router(maxFrameBytes)).listen()
        .onSuccess(s -> server = s);
  }

  private Router router(int maxFrame) {
    Router router = Router.router(vertx);
    mountCors(router, config().getJsonArray("corsOrigins", new io.vertx.core.json.JsonArray()));
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
    router.get("/ws").handler(this::upgrade);
    SockJSHandler sockJs = SockJSHandler.create(vertx, new SockJSHandlerOptions()
        .setHeartbeatInterval(25_000).setMaxBytesStreaming(maxFrame * 2));
    router.route("/sockjs/*").handler(this::authenticateSockJs);
    // SockJS's xhr transports read their bodies through vertx-web's BodyHandler; only POSTs carry one. On a GET it
    // would read the (empty) request to its end, and a WebSocket upgrade (/sockjs/websocket,
    // /sockjs/<server>/<session>/websocket) then fails with "Request has already been read": HTTP 500.
    router.post("/sockjs/*").handler(BodyHandler.create().setBodyLimit(maxFrame * 2L).setHandleFileUploads(false));
    router.route("/sockjs/*").subRouter(sockJs.socketHandler(this::openSockJs));
    api.mount(router);
    NodeAdmin.mount(router, config().getString("adminToken"), node.nodeId());
    java.util.function.Predicate<String> tokenValid = token -> {
      // vertx-auth-jwt verifies signatures synchronously, so the future is already complete here; an
      // incomplete one (never seen) counts as invalid rather than blocking.
      Future<String> user = auth.verify(token);
      return user.isComplete() && user.succeeded();
    };
    if (blobs instanceof FileBlobStore files) {
      MediaRoutes.mount(router, files, tokenValid);
    } else {
      MediaRoutes.mountRedirect(router, blobs, tokenValid);
    }
    router.route("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().failureHandler(ctx -> api.fail(ctx, ctx.failure() != null ? ctx.failure()
        : new ProtocolException(statusCode(ctx.statusCode()), "request failed")));
    return router;
  }

  /**
   * Cross-origin access to the HTTP API and /health, for browser clients failing over to another region (another
   * origin than the page's): {@code gateway.corsOrigins} lists the allowed origins ({@code "*"}: any; absent: none).
   * Tokens travel in the Authorization header, never in cookies, so no credentials are allowed.
   */
  private static void mountCors(Router router, io.vertx.core.json.JsonArray origins) {
    if (origins.isEmpty()) {
      return;
    }
    List<String> list = origins.stream().map(String::valueOf).toList();
    io.vertx.ext.web.handler.CorsHandler cors = (list.contains("*") ? io.vertx.ext.web.handler.CorsHandler.create()
        : io.vertx.ext.web.handler.CorsHandler.create().addOrigins(list))
        .allowedHeaders(java.util.Set.of("Authorization", "Content-Type"))
        .allowedMethods(java.util.Set.of(io.vertx.core.http.HttpMethod.GET, io.vertx.core.http.HttpMethod.POST,
            io.vertx.core.http.HttpMethod.DELETE))
        .maxAgeSeconds(600);
    router.route("/api/*").handler(cors);
    router.route("/health").handler(cors);
  }

  private static ErrorCode statusCode(int status) {
    return switch (status) {
      case 401 -> ErrorCode.UNAUTHORIZED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 413 -> ErrorCode.TOO_LARGE;
      case 400 -> ErrorCode.BAD_JSON;
      default -> ErrorCode.INTERNAL;
    };
  }

  private void health(RoutingContext ctx) {
    boolean draining = admission.draining();
    ctx.response().setStatusCode(draining ? 503 : 200).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", draining ? "draining" : "ready").put("region", node.region())
            .put("node", node.nodeId()).put("connections", connections.size()).encode());
  }

  /** 401 before the upgrade for a bad token; 503 with Retry-After while draining or over the admission rate. */
  private void upgrade(RoutingContext ctx) {
    if (!admission.admit(ctx, api)) {
      return;
    }
    auth.verify(Auth.tokenOf(ctx.request())).onComplete(ar -> {
      if (ar.failed()) {
        api.fail(ctx, ar.cause());
        return;
      }
      ctx.request().toWebSocket().onSuccess(ws -> {
        admission.countReconnect(ctx.request());
        openWebSocket(ws, ar.result());
      })
          .onFailure(e -> LOG.debug("upgrade failed: {}", e.toString()));
    });
  }

  private void authenticateSockJs(RoutingContext ctx) {
    var request = ctx.request();
    boolean upgrade = request.canUpgradeToWebSocket();
    if (!request.isEnded()) {
      request.pause();
    }
    auth.verify(Auth.tokenOf(request)).onComplete(ar -> {
      if (!upgrade && !request.isEnded()) {
        request.resume();
      }
      if (ar.failed()) {
        api.fail(ctx, ar.cause());
      } else {
        ctx.put(HttpApi.USER, ar.result());
        ctx.next();
      }
    });
  }

  private void openWebSocket(ServerWebSocket ws, String userId) {
    if (strictThreadMode) {
      DirectWebSocketWrites.apply(ws);
    }
    metrics.connected("ws");
    Connection connection = open(ClientSocket.of(ws), userId);
    ws.textMessageHandler(text -> {
      if (utf8Length(text) > maxFrameBytes) {
        connection.close(CLOSE_TOO_BIG, "frame over " + maxFrameBytes + " bytes");
      } else {
        dispatcher.onText(connection, text);
      }
    });
    ws.binaryMessageHandler(b -> dispatcher.onBinary(connection));
    ws.exceptionHandler(e -> {
      if (e instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException) {
        connection.close(CLOSE_TOO_BIG, "frame too large");
      }
      LOG.debug("socket of {}: {}", userId, e.toString());
    });
    ws.closeHandler(v -> closed(connection));
  }

  /**
   * The UTF-8 size of a text, or a lower bound of it when that already decides: chars <= bytes <= 3 x chars, so only
   * texts in between are encoded.
   */
  private int utf8Length(String text) {
    int chars = text.length();
    if (chars * 3L <= maxFrameBytes || chars > maxFrameBytes) {
      return chars;
    }
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  private void openSockJs(SockJSSocket socket) {
    String userId = socket.routingContext() == null ? null : socket.routingContext().get(HttpApi.USER);
    if (userId == null) {
      socket.close(4401, "unauthorized");
      return;
    }
    metrics.connected("sockjs");
    admission.countReconnect(socket.routingContext().request());
    Connection connection = open(ClientSocket.of(socket), userId);
    socket.handler(buffer -> {
      if (buffer.length() > maxFrameBytes) {
        connection.close(CLOSE_TOO_BIG, "frame over " + maxFrameBytes + " bytes");
      } else {
        dispatcher.onText(connection, buffer.toString());
      }
    });
    socket.exceptionHandler(e -> LOG.debug("sockjs of {}: {}", userId, e.toString()));
    socket.closeHandler(v -> closed(connection));
  }

  /**
   * Registers the connection; {@code ready} is written once the router knows this node holds the user, so that
   * anything sent after ready is delivered live.
   */
  private Connection open(ClientSocket socket, String userId) {
    Connection connection = new Connection(++nextConnectionId, userId, socket, outboxLimit, clock.millis());
    int count = connections.add(connection);
    Future<?> registered = count == 1
        ? vertx.eventBus().request(Addresses.ROUTER_REGISTER, new JsonObject().put("userId", userId)
        .put("nodeId", node.nodeId()))
        : Future.succeededFuture();
    registered.onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("could not register {} on {}: {}", userId, node.nodeId(), ar.cause().toString());
      }
      connection.write(ServerFrames.ready(userId, node.region(), node.nodeId(), heartbeatSeconds).encode());
    });
    reportPresence(userId);
    return connection;
  }

  private void closed(Connection connection) {
    connection.markClosed();
    int remaining = connections.remove(connection);
    if (remaining == 0) {
      vertx.eventBus().request(Addresses.ROUTER_UNREGISTER, new JsonObject().put("userId", connection.userId)
          .put("nodeId", node.nodeId()));
    }
    if (remaining >= 0) {
      reportPresence(connection.userId);
    }
  }

  private void reportPresence(String userId) {
    vertx.eventBus().request(Addresses.PRESENCE_REPORT, new JsonObject().put("userId", userId)
        .put("nodeId", node.nodeId()).put("count", connections.countOf(userId)));
  }

  /** Frames for users on this node, in order; each frame is encoded once whatever the number of sockets. */
  private void deliver(JsonObject event) {
    JsonArray frames = event.getJsonArray("frames");
    List<String> encoded = new java.util.ArrayList<>(frames.size());
    frames.forEach(f -> encoded.add(((JsonObject) f).encode()));
    for (Object userId : event.getJsonArray("userIds")) {
      for (Connection connection : connections.of((String) userId)) {
        encoded.forEach(connection::write);
      }
    }
  }

  private void presenceChanged(JsonObject presence) {
    String userId = presence.getString("userId");
    var subscribers = connections.presenceSubscribersOf(userId);
    if (!subscribers.isEmpty()) {
      String frame = presence.encode();
      subscribers.forEach(c -> c.write(frame));
    }
  }

  /** Closes silent connections and refreshes this node's session and presence entries before they expire. */
  private void heartbeatRound() {
    long now = clock.millis();
    long silentLimit = 2L * heartbeatSeconds * 1000;
    for (Connection connection : connections.all()) {
      if (now - connection.lastSeenMillis > silentLimit) {
        connection.close(CLOSE_GOING_AWAY, "heartbeat timeout");
      }
    }
    connections.forgetIdleBuckets(now);
    if (!connections.users().isEmpty()) {
      JsonObject refresh = new JsonObject().put("nodeId", node.nodeId())
          .put("userIds", new JsonArray(List.copyOf(connections.users())));
      vertx.eventBus().request(Addresses.ROUTER_REFRESH, refresh);
      vertx.eventBus().request(Addresses.PRESENCE_REFRESH, refresh);
    }
  }

  /**
   * Drain: /health turns 503, new connections are refused, clients are told to reconnect elsewhere (with jitter so
   * they do not all arrive at once), in-flight requests (sends, receipts, syncs) finish, then sockets close.
   */
  @Override
  public Future<?> stop() {
    admission.drain();
    LOG.info("draining {}: {} connections told to reconnect elsewhere", node.nodeId(), connections.size());
    for (Connection connection : connections.all()) {
      long afterMs = ThreadLocalRandom.current().nextLong(250, 2000);
      metrics.reconnectRequested("draining");
      connection.write(ServerFrames.reconnect("draining", afterMs).encode());
    }
    Promise<Void> flushed = Promise.promise();
    long deadline = clock.millis() + 5000;
    vertx.setPeriodic(50, id -> {
      if (dispatcher.inFlightRequests() == 0 || clock.millis() > deadline) {
        vertx.cancelTimer(id);
        flushed.complete();
      }
    });
    return flushed.future().compose(v -> {
      connections.all().forEach(c -> c.close(CLOSE_GOING_AWAY, "draining"));
      metrics.close();
      return server == null ? Future.succeededFuture() : server.close();
    });
  }
}
