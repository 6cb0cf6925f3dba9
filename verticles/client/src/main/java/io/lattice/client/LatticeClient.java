package io.lattice.client;

import io.lattice.model.Message;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One user's live connection to a Lattice deployment, kept alive across node and region failures.
 *
 * <pre>{@code
 * LatticeClient client = new LatticeClient(vertx, ClientOptions.defaults(List.of("http://127.0.0.1:8081")),
 *     TokenProvider.devTokens(vertx.createHttpClient(), "alice"), listener);
 * client.connect();
 * client.follow(conversationId, null);                       // history, then live, resumed after every reconnect
 * client.send(conversationId, "hi").onSuccess(ack -> ...);   // completes with the ack, whatever happens meanwhile
 * }</pre>
 *
 * <p>Recovery: a lost connection (close, or no frame for {@code deadAfterMs}) is retried after a full-jitter
 * backoff, on the next endpoint of the region and, after {@code failoverAfter} failures in a row, on the best other
 * region ({@link RegionDirectory}). A draining node's {@code reconnect} frame is obeyed. After every {@code ready}
 * the client resumes each followed conversation from its cursor and resends every un-acked send with its
 * clientMsgId. See the package javadoc for the guarantees and the threading.
 */
public final class LatticeClient {

  private final Vertx vertx;
  private final Context context;
  private final ClientOptions options;
  private final TokenProvider tokens;
  private final ClientListener listener;
  private final HttpClient http;
  private final WebSocketClient webSockets;
  private final RegionDirectory directory;
  private final Backoff backoff;
  private final Outbox outbox;
  private final Conversations conversations;
  private final ArrayDeque<JsonObject> backlog = new ArrayDeque<>();
  private final ReceiptRecovery receipts = new ReceiptRecovery();
  private static final long[] RECEIPT_CATCH_UP_MS = {5_000, 20_000, 60_000, 120_000};
  private static final long[] RECEIPT_RETRY_MS = {2_000, 5_000, 15_000, 35_000, 75_000};
  private final java.util.Set<String> receiptRetries = new java.util.HashSet<>();
  private String token;

  private ConnectionState state = ConnectionState.OFFLINE;
  private boolean running;
  private boolean everConnected;
  private WebSocket socket;
  private String region;
  private String node;
  private volatile Region.Endpoint connectedEndpoint;
  private int attempt;
  private boolean refreshToken;
  private long nextDelayOverride = -1;
  /** Since when, and why, the client has had no connection (-1: connected or never was): told to the next node. */
  private long lostAtNanos = -1;
  private String lostReason = "lost";
  private long lastFrameNanos;
  private long lastPingNanos;
  private long heartbeatTimer = -1;
  private long stableTimer = -1;

  public LatticeClient(Vertx vertx, ClientOptions options, TokenProvider tokens, ClientListener listener) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.tokens = tokens;
    this.listener = listener;
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setConnectTimeout((int) options.connectTimeoutMs()).setMaxFrameSize(1 << 16).setMaxMessageSize(1 << 20));
    this.directory = new RegionDirectory(http, options.seeds(), options.preference(), options.probeTimeoutMs(),
        options.failoverAfter());
    this.backoff = new Backoff(options.backoffBaseMs(), options.backoffCapMs());
    this.conversations = new Conversations(vertx, listener, backoff, options.syncPageSize(), this::write);
    this.outbox = new Outbox(vertx, backoff, this::write);
  }

  // ------------------------------------------------------------------------------------------------ public API

  /** Starts connecting (and keeps reconnecting until {@link #close()}). Completes once the first attempt began. */
  public Future<Void> connect() {
    return onContext(() -> {
      if (!running) {
        running = true;
        tryConnect();
      }
      return Future.succeededFuture();
    });
  }

  /**
   * Follows a conversation: brings every message after {@code cursor} (null: all), then the live ones, and resumes
   * from the latest cursor after every reconnect. Completes when the first catch-up finished (or right away when
   * offline: it runs after the next connect).
   */
  public Future<Void> follow(String conversationId, String cursor) {
    return onContext(() -> conversations.follow(conversationId, cursor, state == ConnectionState.CONNECTED));
  }

  /** Sends a message; the future completes with the server's ack, after as many reconnects as it takes. */
  public Future<Ack> send(String conversationId, String content) {
    return send(conversationId, content, null, UUID.randomUUID().toString());
  }

  public Future<Ack> send(String conversationId, String content, String mediaUrl, String clientMsgId) {
    JsonObject frame = new JsonObject().put("type", "send").put("clientMsgId", clientMsgId)
        .put("conversationId", conversationId).put("content", content).put("mediaUrl", mediaUrl);
    return onContext(() -> outbox.add(frame, state == ConnectionState.CONNECTED));
  }

  /** Marks messages delivered or read ({@code status}); sent now, or as soon as the client is connected. */
  public Future<Void> receipt(String conversationId, List<String> messageIds, String status) {
    JsonObject frame = new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray(new ArrayList<>(messageIds))).put("status", status);
    return onContext(() -> {
      if (state == ConnectionState.CONNECTED) {
        write(frame);
        receipts.written(frame);
      } else {
        receipts.offline(frame);
      }
      return Future.succeededFuture();
    });
  }

  public Future<Void> subscribePresence(List<String> userIds) {
    return onContext(() -> {
      write(new JsonObject().put("type", "subscribe_presence").put("userIds", new JsonArray(new ArrayList<>(userIds))));
      return Future.succeededFuture();
    });
  }

  public ConnectionState state() {
    return state;
  }

  /** The gateway of the current (or last) connection. */
  public Region.Endpoint endpoint() {
    return connectedEndpoint;
  }

  /** The region of the current (or last) connection. */
  public String region() {
    return region;
  }

  public Timeline timeline(String conversationId) {
    return conversations.timeline(conversationId);
  }

  /** Sends written but not acknowledged yet. */
  public int unacked() {
    return outbox.size();
  }

  /** Stops for good: the socket closes, un-acked sends fail (the server may still have stored them). */
  public Future<Void> close() {
    return onContext(() -> {
      running = false;
      dropSocket("closed by the application");
      outbox.failAll("client closed before the ack");
      setState(ConnectionState.OFFLINE, 0, "closed");
      return Future.join(webSockets.close(), http.close()).mapEmpty();
    });
  }

  // ------------------------------------------------------------------------------------------- connecting

  private void tryConnect() {
    if (!running) {
      return;
    }
    setState(everConnected ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING, 0, "connecting");
    Future<Boolean> known = directory.current() != null ? Future.succeededFuture(true) : directory.refresh();
    known.compose(ok -> ok ? Future.succeededFuture() : Future.failedFuture("no region reachable"))
        .compose(v -> tokens.token(directory.endpoint(), refreshToken))
        .compose(t -> {
          token = t;
          return open(t);
        })
        .onFailure(this::attemptFailed);
  }

  private Future<Void> open(String token) {
    Region.Endpoint endpoint = directory.endpoint();
    WebSocketConnectOptions connect = new WebSocketConnectOptions()
        .setAbsoluteURI(endpoint.wsUrl() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
            + resumeQuery())
        .setConnectTimeout(options.connectTimeoutMs());
    return webSockets.connect(connect).compose(ws -> {
      Promise<Void> ready = Promise.promise();
      long timer = vertx.setTimer(options.readyTimeoutMs(), t -> ready.tryFail("no ready frame within "
          + options.readyTimeoutMs() + " ms"));
      ws.textMessageHandler(text -> onText(ws, text, ready));
      ws.closeHandler(v -> {
        ready.tryFail("closed before ready");
        if (ws == socket) {
          connectionLost("socket closed");
        }
      });
      ws.exceptionHandler(e -> {
        ready.tryFail(e);
        if (ws == socket) {
          connectionLost("socket error: " + e.getMessage());
        }
      });
      return ready.future().onComplete(ar -> vertx.cancelTimer(timer)).onFailure(e -> ws.close());
    });
  }

  /**
   * A reconnecting client tells the server why it left ({@code draining}, {@code overloaded} or {@code lost}) and
   * how long it has been without a connection: the server's failover metrics (docs/protocol.md).
   */
  private String resumeQuery() {
    if (lostAtNanos < 0) {
      return "";
    }
    return "&resume=" + lostReason + "&downMs=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostAtNanos);
  }

  private void attemptFailed(Throwable cause) {
    if (!running) {
      return;
    }
    if (cause instanceof UpgradeRejectedException rejected && rejected.getStatus() == 401) {
      refreshToken = true;
    }
    boolean refused = cause instanceof java.net.ConnectException && String.valueOf(cause.getMessage())
        .contains("refused");
    directory.attemptFailed(refused).onComplete(ar -> {
      boolean movedRegion = ar.succeeded() && ar.result() != null;
      if (movedRegion) {
        // A fresh region: start its backoff from the second window (0-500 ms with the defaults), not from where
        // the dead region left it, but still spread the crowd that arrives with us.
        attempt = Math.min(attempt, 1);
      }
      schedule(movedRegion ? ar.result() : "attempt failed: " + cause.getMessage());
    });
  }

  private void schedule(String reason) {
    long delay = nextDelayOverride >= 0 ? nextDelayOverride : backoff.delayMs(attempt);
    nextDelayOverride = -1;
    attempt++;
    setState(ConnectionState.RECONNECTING, delay, reason);
    vertx.setTimer(Math.max(1, delay), t -> tryConnect());
  }

  private void onReady(WebSocket ws, JsonObject frame) {
    socket = ws;
    everConnected = true;
    refreshToken = false;
    region = frame.getString("region");
    node = frame.getString("node");
    connectedEndpoint = directory.endpoint();
    directory.connected();
    lastFrameNanos = System.nanoTime();
    ws.drainHandler(v -> flushBacklog());
    long interval = options.pingIntervalMs() > 0 ? options.pingIntervalMs()
        : Math.max(1_000, frame.getLong("heartbeatSeconds", 30L) * 1000 / 2);
    long deadAfter = options.deadAfterMs() > 0 ? options.deadAfterMs() : 2 * interval + 2_000;
    heartbeatTimer = vertx.setPeriodic(Math.min(interval, deadAfter / 3), t -> heartbeat(ws, interval, deadAfter));
    stableTimer = vertx.setTimer(options.stableMs(), t -> attempt = 0);
    setState(ConnectionState.CONNECTED, 0, "ready");
    conversations.ready(() -> ws == socket);
    receipts.toReplay().forEach(this::write);
    outbox.ready();
    // Now and a few times more over two minutes: receipts applied elsewhere while this client's new region was not
    // yet known to the recipient's region (presence replicates within seconds) went towards the old one, and a
    // message acknowledged by a region that then died reaches the others only when that region is back.
    Region.Endpoint endpoint = directory.endpoint();
    catchUpReceipts(endpoint);
    for (long delay : RECEIPT_CATCH_UP_MS) {
      vertx.setTimer(delay, t -> {
        if (ws == socket) {
          catchUpReceipts(endpoint);
        }
      });
    }
  }

  /** Writes the conversation's recent receipts again over the next ~2 minutes (once per conversation at a time). */
  private void retryReceiptsLater(String conversationId) {
    if (conversationId == null || !receiptRetries.add(conversationId)) {
      return;
    }
    List<JsonObject> frames = receipts.recentOf(conversationId);
    for (int i = 0; i < RECEIPT_RETRY_MS.length; i++) {
      boolean last = i == RECEIPT_RETRY_MS.length - 1;
      vertx.setTimer(RECEIPT_RETRY_MS[i], t -> {
        frames.forEach(this::write); // dropped while offline: the next ready replays the recent ones
        if (last) {
          receiptRetries.remove(conversationId);
        }
      });
    }
  }

  private void catchUpReceipts(Region.Endpoint endpoint) {
    receipts.catchUp(http, endpoint.httpUrl(), token, options.readyTimeoutMs(), listener::onReceipt);
  }

  private void heartbeat(WebSocket ws, long interval, long deadAfter) {
    if (ws != socket) {
      return;
    }
    long now = System.nanoTime();
    if ((now - lastFrameNanos) / 1_000_000 > deadAfter) {
      connectionLost("no frame for " + deadAfter + " ms");
      return;
    }
    if ((now - lastPingNanos) / 1_000_000 >= interval) {
      lastPingNanos = now;
      write(new JsonObject().put("type", "ping"));
    }
  }

  /** The current socket is gone (close, error, silence, drain): forget it and schedule the next attempt. */
  private void connectionLost(String reason) {
    if (socket == null) {
      return;
    }
    lostAtNanos = System.nanoTime();
    if (!reason.startsWith("node draining")) {
      lostReason = "lost";
    }
    dropSocket(reason);
    if (running) {
      schedule(reason);
    }
  }

  private void dropSocket(String reason) {
    WebSocket ws = socket;
    socket = null;
    node = null;
    backlog.clear();
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(stableTimer);
    if (ws != null && !ws.isClosed()) {
      ws.close((short) 1000, reason.length() > 100 ? reason.substring(0, 100) : reason);
    }
  }

  // ---------------------------------------------------------------------------------------------- frames

  private void onText(WebSocket ws, String text, Promise<Void> ready) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (RuntimeException e) {
      return; // not ours to fix: the server only sends JSON objects
    }
    lastFrameNanos = System.nanoTime();
    String type = frame.getString("type", "");
    if (ws != socket) {
      if (type.equals("ready") && ready.tryComplete()) {
        lostAtNanos = -1;
        onReady(ws, frame);
      }
      return;
    }
    switch (type) {
      case "ack" -> onAck(frame);
      case "message" -> conversations.deliver(Message.fromJson(frame.getJsonObject("message")));
      case "sync_result" -> conversations.onSyncResult(frame);
      case "receipt" -> listener.onReceipt(frame);
      case "presence" -> listener.onPresence(frame);
      case "typing" -> listener.onTyping(frame.getString("conversationId"), frame.getString("userId"));
      case "error" -> onError(frame);
      case "reconnect" -> {
        nextDelayOverride = frame.getLong("afterMs", 0L) + ThreadLocalRandom.current().nextLong(251);
        lostReason = "overloaded".equals(frame.getString("reason")) ? "overloaded" : "draining";
        connectionLost("node draining: " + frame.getString("reason", ""));
      }
      default -> { } // pong, and frame types newer than this client
    }
  }

  private void onAck(JsonObject frame) {
    if (outbox.acked(frame)) {
      receipts.acknowledged(frame.getString("clientMsgId"), frame.getString("conversationId"));
    }
  }

  private void onError(JsonObject frame) {
    String code = frame.getString("code", "internal");
    if ("receipt".equals(frame.getString("inReplyTo")) && code.equals("not_found")) {
      retryReceiptsLater(frame.getString("conversationId"));
      return;
    }
    if ("sync".equals(frame.getString("inReplyTo")) && conversations.follows(frame.getString("conversationId"))) {
      conversations.onSyncError(frame.getString("conversationId"), code, frame);
      return;
    }
    WebSocket ws = socket;
    if (!outbox.refused(frame, () -> ws != null && ws == socket)) {
      listener.onError(code, frame.getString("message"));
    }
  }

  // --------------------------------------------------------------------------------------------- plumbing

  /** Writes now, or after the socket drains: frames keep their order either way. */
  private void write(JsonObject frame) {
    if (socket == null) {
      return; // re-sent after the next ready where it matters (sends, syncs, receipts)
    }
    if (!backlog.isEmpty() || socket.writeQueueFull()) {
      backlog.add(frame);
      return;
    }
    socket.writeTextMessage(frame.encode());
  }

  private void flushBacklog() {
    while (socket != null && !backlog.isEmpty() && !socket.writeQueueFull()) {
      socket.writeTextMessage(backlog.poll().encode());
    }
  }

  private void setState(ConnectionState next, long retryInMs, String reason) {
    state = next;
    Region current = directory.current();
    String name = next == ConnectionState.CONNECTED ? region : current == null ? null : current.name();
    listener.onState(new ConnectionState.Change(next, name, node, next == ConnectionState.CONNECTED ? 0 : attempt,
        retryInMs, reason));
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (Vertx.currentContext() == context) {
      return action.get();
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }
}
