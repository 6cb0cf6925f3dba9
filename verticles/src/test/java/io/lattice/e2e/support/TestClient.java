package io.lattice.e2e.support;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One device of one user: a WebSocket connection to a node plus HTTP helpers carrying the same Bearer token.
 *
 * <p>Every frame the server sends is kept, in arrival order, in a thread-safe list. Tests wait with
 * {@link #await(Predicate)} / {@link #awaitFrom(int, Predicate, Duration)} (condition variables, no sleeps); a timeout
 * fails with the frames received so far. {@link #mark()} returns the current frame count, to wait only for frames
 * that arrive after an action.
 */
public final class TestClient implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final ScheduledExecutorService PINGER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "e2e-auto-ping");
    t.setDaemon(true);
    return t;
  });

  private final String userId;
  private final String token;
  private final String httpUrl;
  private final String wsUrl;
  private final String label;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<JsonObject> frames = new ArrayList<>();
  private final Object sendLock = new Object();
  private volatile WebSocket ws;
  private volatile CloseInfo closeInfo;
  private volatile JsonObject ready;
  private volatile long readyAtNanos;
  private volatile ScheduledFuture<?> autoPing;

  /** How the socket ended: a close frame from the server, or an error (status 1006). */
  public record CloseInfo(int statusCode, String reason, Throwable error, long atNanos) {
    @Override
    public String toString() {
      return "close " + statusCode + " '" + reason + "'" + (error != null ? " (" + error + ")" : "");
    }
  }

  public record Token(String token, long expiresAt) {
  }

  public record HttpResult(int status, String body) {
    public JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (DecodeException | ClassCastException e) {
        throw new AssertionError("HTTP " + status + " body is not a JSON object: " + Frames.abbreviate(body), e);
      }
    }

    @Override
    public String toString() {
      return "HTTP " + status + " " + Frames.abbreviate(body);
    }
  }

  public record SyncPage(JsonObject frame) {
    public List<JsonObject> messages() {
      return frame.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
    }

    public String cursor() {
      return frame.getString("cursor");
    }

    public boolean hasMore() {
      return frame.getBoolean("hasMore");
    }
  }

  /** Every page of a sync that followed cursors until hasMore was false. */
  public record SyncAll(List<SyncPage> pages, String cursor) {
    public List<JsonObject> messages() {
      return pages.stream().flatMap(p -> p.messages().stream()).toList();
    }

    public List<String> messageIds() {
      return messages().stream().map(m -> m.getString("messageId")).toList();
    }
  }

  private TestClient(String userId, String token, String httpUrl, String wsUrl) {
    this.userId = userId;
    this.token = token;
    this.httpUrl = httpUrl;
    this.wsUrl = wsUrl;
    this.label = userId + "@" + (wsUrl != null ? wsUrl : httpUrl) + "#" + SEQ.incrementAndGet();
  }

  // ------------------------------------------------------------------------------------------------------ factories

  /** A user id no other test uses: {@code prefix-<8 hex>}. */
  public static String uniqueUser(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A fresh client message id. */
  public static String newClientMsgId() {
    return "c-" + UUID.randomUUID();
  }

  /** POST /api/dev/token on {@code httpUrl}. */
  public static Token devToken(String httpUrl, String userId) {
    HttpResult r = http(httpUrl, "POST", "/api/dev/token", null, new JsonObject().put("userId", userId).encode());
    if (r.status() != 200) {
      throw new AssertionError("POST /api/dev/token for " + userId + ": " + r);
    }
    JsonObject json = r.json();
    return new Token(json.getString("token"), json.getLong("expiresAt", 0L));
  }

  /** Gets a dev token from node {@code node} and connects to it; returns once the ready frame arrived. */
  public static TestClient connect(RegionCluster cluster, int node, String userId) {
    return connect(cluster.httpUrl(node), cluster.wsUrl(node), userId);
  }

  public static TestClient connect(String httpUrl, String wsUrl, String userId) {
    return connectWithToken(httpUrl, wsUrl, userId, devToken(httpUrl, userId).token());
  }

  /**
   * A user of the HTTP API only, with a dev token from {@code httpUrl}: no socket, so it changes nobody's presence
   * (e.g. to read a conversation's history in a region where the user is not connected).
   */
  public static TestClient httpOnly(String httpUrl, String userId) {
    return new TestClient(userId, devToken(httpUrl, userId).token(), httpUrl, null);
  }

  /** Connects with {@code ?token=}; returns once the ready frame arrived. */
  public static TestClient connectWithToken(String httpUrl, String wsUrl, String userId, String token) {
    TestClient client = new TestClient(userId, token, httpUrl, wsUrl);
    client.open(URI.create(wsUrl + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)), Map.of());
    return client;
  }

  /** Connects with an {@code Authorization: Bearer} header instead of the query parameter. */
  public static TestClient connectWithBearerHeader(String httpUrl, String wsUrl, String userId, String token) {
    TestClient client = new TestClient(userId, token, httpUrl, wsUrl);
    client.open(URI.create(wsUrl), Map.of("Authorization", "Bearer " + token));
    return client;
  }

  /**
   * Tries the WebSocket upgrade at {@code uri} and returns the HTTP status: 101 when the socket opened (it is closed
   * again at once), the refusal status otherwise (e.g. 401), -1 when no HTTP response came at all.
   */
  public static int upgradeStatus(String uri, Map<String, String> headers) {
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    headers.forEach(builder::header);
    try {
      WebSocket socket = builder.buildAsync(URI.create(uri), new WebSocket.Listener() {
      }).get(10, TimeUnit.SECONDS);
      socket.abort();
      return 101;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      return -1;
    }
  }

  private void open(URI uri, Map<String, String> headers) {
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    headers.forEach(builder::header);
    try {
      ws = builder.buildAsync(uri, new Listener()).get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof WebSocketHandshakeException h) {
        throw new AssertionError("upgrade refused for " + userId + " at " + wsUrl + ": HTTP "
            + h.getResponse().statusCode() + " " + h.getResponse().body(), h);
      }
      throw new AssertionError("cannot connect " + userId + " to " + wsUrl + ": " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new AssertionError("connecting " + userId + " to " + wsUrl + " timed out", e);
    }
    ready = await(Frames.type("ready"), TIMEOUT);
    readyAtNanos = System.nanoTime();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String full = text.toString();
        text.setLength(0);
        JsonObject frame;
        try {
          frame = new JsonObject(full);
        } catch (DecodeException | ClassCastException e) {
          frame = new JsonObject().put("type", "__not_json").put("raw", full);
        }
        add(frame);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      add(new JsonObject().put("type", "__binary").put("bytes", data.remaining()));
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed(new CloseInfo(statusCode, reason, null, System.nanoTime()));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed(new CloseInfo(1006, "", error, System.nanoTime()));
    }
  }

  private void add(JsonObject frame) {
    lock.lock();
    try {
      frames.add(frame);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void closed(CloseInfo info) {
    lock.lock();
    try {
      if (closeInfo == null) {
        closeInfo = info;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    stopAutoPing();
  }

  // ------------------------------------------------------------------------------------------------------- identity

  public String userId() {
    return userId;
  }

  public String token() {
    return token;
  }

  public String httpUrl() {
    return httpUrl;
  }

  public String wsUrl() {
    return wsUrl;
  }

  /** The ready frame received on connect. */
  public JsonObject ready() {
    return ready;
  }

  /** System.nanoTime() when the ready frame was seen. */
  public long readyAtNanos() {
    return readyAtNanos;
  }

  @Override
  public String toString() {
    return label;
  }

  // -------------------------------------------------------------------------------------------------------- sending

  /** Sends one JSON frame; fails the test if the socket cannot take it. */
  public void send(JsonObject frame) {
    sendText(frame.encode());
  }

  /** Sends an arbitrary text frame (raw mode: need not be JSON). */
  public void sendText(String text) {
    if (!trySendText(text)) {
      throw new AssertionError(label + " could not send (socket " + closeInfo + "): " + Frames.abbreviate(text));
    }
  }

  /** Like {@link #sendText} but reports failure (a dead socket) instead of failing the test. */
  public boolean trySendText(String text) {
    synchronized (sendLock) {
      try {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        return true;
      } catch (ExecutionException | TimeoutException | IllegalStateException | CompletionException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  public boolean trySend(JsonObject frame) {
    return trySendText(frame.encode());
  }

  /**
   * Sends one text message of exactly {@code bytes} bytes (a valid send frame padded with content). Note that the
   * JDK client fragments messages into 16 KiB frames: to write ONE frame over the frame limit use
   * {@link RawWebSocket}. Returns whether the client could write it.
   */
  public boolean sendLargeMessage(int bytes, String conversationId) {
    return trySendText(largeSendFrame(bytes, conversationId));
  }

  /** A valid send frame of exactly {@code bytes} bytes of ASCII. */
  public static String largeSendFrame(int bytes, String conversationId) {
    String prefix = "{\"type\":\"send\",\"clientMsgId\":\"" + newClientMsgId() + "\",\"conversationId\":\""
        + conversationId + "\",\"content\":\"";
    String suffix = "\"}";
    int padding = bytes - prefix.length() - suffix.length();
    if (padding < 0) {
      throw new IllegalArgumentException("too small");
    }
    return prefix + "x".repeat(padding) + suffix;
  }

  /**
   * Raw mode at the frame level: a second connection of this user over a plain socket that writes exactly the frames
   * it is given (e.g. ONE frame over the 64 KiB limit) and shows raw close frames.
   */
  public RawWebSocket openRaw() throws IOException {
    return RawWebSocket.connect(wsUrl, token);
  }

  public static JsonObject sendFrame(String conversationId, String clientMsgId, String content) {
    return new JsonObject().put("type", "send").put("clientMsgId", clientMsgId).put("conversationId", conversationId)
        .put("content", content).putNull("mediaUrl");
  }

  /** Sends a message (no wait). */
  public void sendMessage(String conversationId, String clientMsgId, String content) {
    send(sendFrame(conversationId, clientMsgId, content));
  }

  /** Sends a message and waits for its ack; fails on an error frame for it. */
  public JsonObject sendAndAwaitAck(String conversationId, String clientMsgId, String content) {
    int mark = mark();
    sendMessage(conversationId, clientMsgId, content);
    JsonObject outcome = awaitFrom(mark, Frames.outcome(clientMsgId), TIMEOUT);
    if (!"ack".equals(outcome.getString("type"))) {
      throw new AssertionError(label + ": send " + clientMsgId + " was answered with " + outcome.encode());
    }
    return outcome;
  }

  public JsonObject sendAndAwaitAck(String conversationId, String content) {
    return sendAndAwaitAck(conversationId, newClientMsgId(), content);
  }

  /**
   * Sends a message and waits for its ack, resending with the same clientMsgId after {@code retryAfterMs} while it
   * is rate limited (what a well-behaved client does).
   */
  public JsonObject sendAndAwaitAckRetrying(String conversationId, String content) {
    String clientMsgId = newClientMsgId();
    for (int attempt = 0; attempt < 50; attempt++) {
      int mark = mark();
      sendMessage(conversationId, clientMsgId, content);
      JsonObject outcome = awaitFrom(mark, Frames.outcome(clientMsgId), TIMEOUT);
      if ("ack".equals(outcome.getString("type"))) {
        return outcome;
      }
      if (!"rate_limited".equals(outcome.getString("code"))) {
        throw new AssertionError(label + ": send " + clientMsgId + " was answered with " + outcome.encode());
      }
      // Pacing required by the protocol: retry after retryAfterMs.
      java.util.concurrent.locks.LockSupport.parkNanos(
          TimeUnit.MILLISECONDS.toNanos(Math.max(1, outcome.getLong("retryAfterMs", 100L))));
    }
    throw new AssertionError(label + ": send still rate limited after 50 attempts");
  }

  public void ping() {
    send(new JsonObject().put("type", "ping"));
  }

  /** Sends a ping and waits for a pong received after it. */
  public JsonObject pingPong() {
    int mark = mark();
    ping();
    return awaitFrom(mark, Frames.type("pong"), TIMEOUT);
  }

  public void receipt(String conversationId, String status, String... messageIds) {
    send(new JsonObject().put("type", "receipt").put("conversationId", conversationId)
        .put("messageIds", new JsonArray(Arrays.asList((Object[]) messageIds))).put("status", status));
  }

  public void typing(String conversationId) {
    send(new JsonObject().put("type", "typing").put("conversationId", conversationId));
  }

  public void subscribePresence(String... userIds) {
    send(new JsonObject().put("type", "subscribe_presence")
        .put("userIds", new JsonArray(Arrays.asList((Object[]) userIds))));
  }

  /** One sync request; waits for its sync_result (fails on an error frame). */
  public SyncPage sync(String conversationId, String cursor, int limit) {
    int mark = mark();
    JsonObject frame = new JsonObject().put("type", "sync").put("conversationId", conversationId)
        .put("cursor", cursor).put("limit", limit);
    send(frame);
    JsonObject answer = awaitFrom(mark, Frames.syncResult(conversationId).or(Frames.type("error")), TIMEOUT);
    if (!"sync_result".equals(answer.getString("type"))) {
      throw new AssertionError(label + ": " + frame.encode() + " was answered with " + answer.encode());
    }
    return new SyncPage(answer);
  }

  /** Syncs from {@code cursor}, following cursors while hasMore (at most 1000 pages). */
  public SyncAll syncAll(String conversationId, String cursor, int limit) {
    List<SyncPage> pages = new ArrayList<>();
    String current = cursor;
    for (int i = 0; i < 1000; i++) {
      SyncPage page = sync(conversationId, current, limit);
      pages.add(page);
      current = page.cursor();
      if (!page.hasMore()) {
        return new SyncAll(pages, current);
      }
    }
    throw new AssertionError(label + ": sync of " + conversationId + " still hasMore after 1000 pages");
  }

  /** Pings every {@code period} until the socket closes or {@link #stopAutoPing()}. */
  public TestClient startAutoPing(Duration period) {
    stopAutoPing();
    autoPing = PINGER.scheduleAtFixedRate(() -> {
      if (closeInfo == null) {
        trySend(new JsonObject().put("type", "ping"));
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  public void stopAutoPing() {
    ScheduledFuture<?> f = autoPing;
    if (f != null) {
      f.cancel(false);
    }
  }

  // -------------------------------------------------------------------------------------------------------- waiting

  /** The number of frames received so far; pass it to the *From methods to consider only later frames. */
  public int mark() {
    lock.lock();
    try {
      return frames.size();
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot of every frame received so far. */
  public List<JsonObject> frames() {
    lock.lock();
    try {
      return List.copyOf(frames);
    } finally {
      lock.unlock();
    }
  }

  public List<JsonObject> frames(Predicate<JsonObject> filter) {
    return frames().stream().filter(filter).toList();
  }

  public List<JsonObject> framesFrom(int from, Predicate<JsonObject> filter) {
    List<JsonObject> all = frames();
    return all.subList(Math.min(from, all.size()), all.size()).stream().filter(filter).toList();
  }

  public JsonObject await(Predicate<JsonObject> match) {
    return awaitFrom(0, match, TIMEOUT);
  }

  public JsonObject await(Predicate<JsonObject> match, Duration timeout) {
    return awaitFrom(0, match, timeout);
  }

  public JsonObject awaitFrom(int from, Predicate<JsonObject> match) {
    return awaitFrom(from, match, TIMEOUT);
  }

  /** The first frame at index >= {@code from} matching; waits up to {@code timeout}. */
  public JsonObject awaitFrom(int from, Predicate<JsonObject> match, Duration timeout) {
    return awaitCountFrom(from, match, 1, timeout).get(0);
  }

  public List<JsonObject> awaitCount(Predicate<JsonObject> match, int count) {
    return awaitCountFrom(0, match, count, TIMEOUT);
  }

  public List<JsonObject> awaitCount(Predicate<JsonObject> match, int count, Duration timeout) {
    return awaitCountFrom(0, match, count, timeout);
  }

  /** Waits until at least {@code count} frames at index >= {@code from} match; returns the first {@code count}. */
  public List<JsonObject> awaitCountFrom(int from, Predicate<JsonObject> match, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      int scanned = from;
      List<JsonObject> found = new ArrayList<>();
      while (true) {
        for (; scanned < frames.size(); scanned++) {
          JsonObject frame = frames.get(scanned);
          if (match.test(frame)) {
            found.add(frame);
            if (found.size() == count) {
              return found;
            }
          }
        }
        if (closeInfo != null) {
          throw new AssertionError(label + ": socket ended (" + closeInfo + ") while waiting for " + count + " x "
              + match + " (found " + found.size() + ")" + dump());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(label + ": timed out after " + timeout.toMillis() + " ms waiting for " + count
              + " x " + match + " (found " + found.size() + ")" + dump());
        }
        try {
          changed.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits for the socket to end; fails if it is still open after {@code timeout}. */
  public CloseInfo awaitClose(Duration timeout) {
    CloseInfo info = waitForClose(timeout);
    if (info == null) {
      throw new AssertionError(label + ": socket still open after " + timeout.toMillis() + " ms" + dump());
    }
    return info;
  }

  /** Waits up to {@code window} and fails if the socket ends in that time (the window is the assertion). */
  public void assertStaysOpen(Duration window) {
    CloseInfo info = waitForClose(window);
    if (info != null) {
      throw new AssertionError(label + ": socket ended within " + window.toMillis() + " ms: " + info + dump());
    }
  }

  private CloseInfo waitForClose(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (closeInfo == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        changed.awaitNanos(left);
      }
      return closeInfo;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      lock.unlock();
    }
  }

  public boolean isOpen() {
    return closeInfo == null && ws != null && !ws.isOutputClosed() && !ws.isInputClosed();
  }

  public CloseInfo closeInfo() {
    return closeInfo;
  }

  private String dump() {
    List<JsonObject> all = frames();
    int from = Math.max(0, all.size() - 40);
    return "\n  " + all.size() + " frames received" + (from > 0 ? " (last 40 shown)" : "") + ":\n    "
        + all.subList(from, all.size()).stream().map(f -> Frames.abbreviate(f.encode()))
        .collect(Collectors.joining("\n    "));
  }

  // ----------------------------------------------------------------------------------------------------------- HTTP

  public static HttpResult http(String baseUrl, String method, String path, String token, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new HttpResult(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new AssertionError(method + " " + baseUrl + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP request to this client's node with its Bearer token. */
  public HttpResult http(String method, String path, JsonObject body) {
    return http(httpUrl, method, path, token, body == null ? null : body.encode());
  }

  public HttpResult get(String path) {
    return http("GET", path, null);
  }

  private static JsonObject expect(HttpResult r, String what, int... statuses) {
    for (int s : statuses) {
      if (r.status() == s) {
        return r.json();
      }
    }
    throw new AssertionError(what + ": expected HTTP " + Arrays.toString(statuses) + " but got " + r);
  }

  public HttpResult createConversation(String type, List<String> participants, String title) {
    JsonObject body = new JsonObject().put("type", type).put("participants", new JsonArray(new ArrayList<>(participants)));
    if (title != null) {
      body.put("title", title);
    }
    return http("POST", "/api/conversations", body);
  }

  /** Creates (or gets) the direct conversation with {@code other}; returns the conversation JSON (201 or 200). */
  public JsonObject createDirectConversation(String other) {
    return expect(createConversation("direct", List.of(other), null), userId + " creates direct with " + other,
        201, 200);
  }

  public String createDirect(String other) {
    return createDirectConversation(other).getString("conversationId");
  }

  public JsonObject createGroupConversation(String title, String... others) {
    return expect(createConversation("group", List.of(others), title), userId + " creates group", 201);
  }

  public String createGroup(String title, String... others) {
    return createGroupConversation(title, others).getString("conversationId");
  }

  public HttpResult members(String conversationId, List<String> add, List<String> remove) {
    return http("POST", "/api/conversations/" + conversationId + "/members",
        new JsonObject().put("add", new JsonArray(new ArrayList<>(add))).put("remove", new JsonArray(new ArrayList<>(remove))));
  }

  /** GET /api/conversations/{id}/messages; {@code before} and {@code limit} may be null. */
  public HttpResult history(String conversationId, String before, Integer limit) {
    StringBuilder path = new StringBuilder("/api/conversations/").append(conversationId).append("/messages");
    String sep = "?";
    if (before != null) {
      path.append(sep).append("before=").append(URLEncoder.encode(before, StandardCharsets.UTF_8));
      sep = "&";
    }
    if (limit != null) {
      path.append(sep).append("limit=").append(limit);
    }
    return get(path.toString());
  }

  /** Every message of the conversation via history paging, newest first. */
  public List<JsonObject> fullHistory(String conversationId, int pageSize) {
    List<JsonObject> all = new ArrayList<>();
    String before = null;
    for (int i = 0; i < 10_000; i++) {
      JsonObject page = expect(history(conversationId, before, pageSize), "history of " + conversationId, 200);
      JsonArray messages = page.getJsonArray("messages");
      messages.forEach(m -> all.add((JsonObject) m));
      before = page.getString("before");
      if (messages.isEmpty() || before == null) {
        return all;
      }
    }
    throw new AssertionError("history of " + conversationId + " did not end");
  }

  public JsonObject presence(String otherUserId) {
    return expect(get("/api/presence/" + otherUserId), "presence of " + otherUserId, 200);
  }

  public JsonObject receipts(String messageId) {
    return expect(get("/api/receipts/" + messageId), "receipts of " + messageId, 200);
  }

  public JsonObject conversations() {
    return expect(get("/api/conversations"), "conversations of " + userId, 200);
  }

  // -------------------------------------------------------------------------------------------------------- closing

  /** Closes normally (1000) and waits briefly for the server's close; aborts if that does not come. */
  @Override
  public void close() {
    stopAutoPing();
    WebSocket socket = ws;
    if (socket == null) {
      return;
    }
    if (closeInfo == null) {
      try {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException | IllegalStateException e) {
        // already broken
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      waitForClose(Duration.ofSeconds(5));
    }
    socket.abort();
  }

  /** Drops the TCP connection without a close handshake. */
  public void abort() {
    stopAutoPing();
    WebSocket socket = ws;
    if (socket != null) {
      socket.abort();
    }
    closed(new CloseInfo(1006, "aborted by test", null, System.nanoTime()));
  }
}
