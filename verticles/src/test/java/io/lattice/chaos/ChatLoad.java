package io.lattice.chaos;

import io.lattice.client.Ack;
import io.lattice.client.ClientListener;
import io.lattice.client.ClientOptions;
import io.lattice.client.ConnectionState;
import io.lattice.client.LatticeClient;
import io.lattice.client.Timeline;
import io.lattice.client.TokenProvider;
import io.lattice.model.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Steady chat load from many {@link LatticeClient}s, every step recorded in a {@link History}: each user has a home
 * region (preferred, but the client fails over like any other), follows its conversations, sends one message at a
 * time round-robin over them at a fixed interval, and marks every message it receives delivered. Bounded: sends stop
 * at {@link #stopSending()} or after {@code maxSendsPerUser}.
 */
public final class ChatLoad implements AutoCloseable {

  /** One simulated user. */
  public record User(String id, String homeRegion) {
  }

  private final Vertx vertx;
  private final History history;
  private final List<String> seeds;
  private final ClientOptions baseOptions;
  private final HttpClient http;
  private final Map<String, LatticeClient> clients = new LinkedHashMap<>();
  private final Map<String, List<String>> conversationsOf = new ConcurrentHashMap<>();
  private final Map<String, String> homeUrl = new LinkedHashMap<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param regionUrls region name -> HTTP base URL (the seeds, and where each user's home is)
   */
  public ChatLoad(Vertx vertx, History history, Map<String, String> regionUrls, ClientOptions baseOptions) {
    this.vertx = vertx;
    this.history = history;
    this.seeds = List.copyOf(regionUrls.values());
    this.homeUrl.putAll(regionUrls);
    this.baseOptions = baseOptions;
    this.http = vertx.createHttpClient();
  }

  /** Connects the user's client (preferring its home region) and waits until it is ready. */
  public void connect(User user, Duration timeout) {
    ClientOptions options = new ClientOptions(seeds, List.of(user.homeRegion()), baseOptions.backoffBaseMs(),
        baseOptions.backoffCapMs(), baseOptions.failoverAfter(), baseOptions.connectTimeoutMs(),
        baseOptions.readyTimeoutMs(), baseOptions.pingIntervalMs(), baseOptions.deadAfterMs(), baseOptions.stableMs(),
        baseOptions.syncPageSize(), baseOptions.probeTimeoutMs());
    LatticeClient[] self = new LatticeClient[1];
    LatticeClient client = new LatticeClient(vertx, options, TokenProvider.devTokens(http, user.id()),
        new Recorder(user.id(), self));
    self[0] = client;
    clients.put(user.id(), client);
    await(client.connect(), timeout);
    awaitCondition(user.id() + " connected", timeout, () -> client.state() == ConnectionState.CONNECTED);
  }

  /** Creates a conversation (direct for two users, else a group) through the creator's home region. */
  public String conversation(User creator, List<User> others, Duration timeout) {
    JsonObject body = new JsonObject().put("type", others.size() == 1 ? "direct" : "group")
        .put("participants", new JsonArray(others.stream().map(User::id).toList())).put("title", "load");
    String base = homeUrl.get(creator.homeRegion());
    JsonObject created = null;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int attempt = 1; created == null; attempt++) {
      // A fresh client per attempt, each step bounded: a request once waited forever here for a connection of the
      // shared pool (seen twice under load, cause not found yet); this set-up step must not hang a whole scenario.
      HttpClient fresh = vertx.createHttpClient();
      try {
        String token = await(TokenProvider.devTokens(fresh, creator.id()).token(
            new io.lattice.client.Region.Endpoint(base, null), false), Duration.ofSeconds(20));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(base
            + "/api/conversations").putHeader("authorization", "Bearer " + token)
            .putHeader("content-type", "application/json").setConnectTimeout(5_000).setIdleTimeout(20_000);
        created = await(fresh.request(request).compose(r -> r.send(body.encode()))
            .compose(r -> r.body().compose(b -> r.statusCode() / 100 == 2 ? Future.succeededFuture(b.toJsonObject())
                : Future.failedFuture("create conversation: HTTP " + r.statusCode() + " " + b))),
            Duration.ofSeconds(25));
      } catch (IllegalStateException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        System.out.printf("creating a conversation for %s failed (attempt %d): %s; retrying%n", creator.id(),
            attempt, e.getMessage());
      } finally {
        fresh.close();
      }
    }
    String conversationId = created.getString("conversationId");
    List<String> members = new ArrayList<>();
    members.add(creator.id());
    others.forEach(o -> members.add(o.id()));
    history.conversation(conversationId, members);
    for (String member : members) {
      conversationsOf.computeIfAbsent(member, m -> new java.util.concurrent.CopyOnWriteArrayList<>())
          .add(conversationId);
    }
    return conversationId;
  }

  /** Every client follows its conversations (history first); returns once all caught up. */
  public void followAll(Duration timeout) {
    List<Future<Void>> all = new ArrayList<>();
    clients.forEach((user, client) -> conversationsOf.getOrDefault(user, List.of())
        .forEach(c -> all.add(client.follow(c, null))));
    await(Future.all(all), timeout);
  }

  /** Starts every user's send loop: one message every {@code interval}, at most {@code maxSendsPerUser} each. */
  public void startSending(Duration interval, int maxSendsPerUser) {
    sending.set(true);
    clients.forEach((user, client) -> loop(user, client, interval.toMillis(), maxSendsPerUser, 0));
  }

  private void loop(String user, LatticeClient client, long intervalMs, int max, int n) {
    List<String> conversations = conversationsOf.getOrDefault(user, List.of());
    if (!sending.get() || n >= max || conversations.isEmpty()) {
      return;
    }
    String conversationId = conversations.get(n % conversations.size());
    String clientMsgId = user + "-" + n + "-" + UUID.randomUUID().toString().substring(0, 8);
    history.sent(user, conversationId, clientMsgId);
    long sentAt = history.now();
    inFlight.incrementAndGet();
    client.send(conversationId, "message " + n + " from " + user, null, clientMsgId).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.succeeded()) {
        Ack ack = ar.result();
        history.acked(user, conversationId, clientMsgId, ack.messageId(), ack.lamport(), ack.attempts(), sentAt);
      }
      // One at a time per user, so that the checker can hold each sender to its send order.
      vertx.setTimer(Math.max(1, intervalMs), t -> loop(user, client, intervalMs, max, n + 1));
    });
  }

  public void stopSending() {
    sending.set(false);
  }

  /** Waits until no send is waiting for its ack. */
  public void awaitAcks(Duration timeout) {
    awaitCondition("every send acknowledged (" + inFlight.get() + " in flight)", timeout, () -> inFlight.get() == 0);
  }

  /** Waits until every participant holds every acknowledged message (or the timeout passes: the checker says). */
  public boolean awaitConvergence(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (HistoryChecker.check(history, timelines()).clean()) {
        return true;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250)); // polling the clients' state
    }
    return false;
  }

  public Map<String, Map<String, List<Message>>> timelines() {
    Map<String, Map<String, List<Message>>> out = new LinkedHashMap<>();
    clients.forEach((user, client) -> {
      Map<String, List<Message>> mine = new LinkedHashMap<>();
      for (String c : conversationsOf.getOrDefault(user, List.of())) {
        Timeline timeline = client.timeline(c);
        mine.put(c, timeline == null ? List.of() : timeline.messages());
      }
      out.put(user, mine);
    });
    return out;
  }

  public LatticeClient client(String user) {
    return clients.get(user);
  }

  @Override
  public void close() {
    List<Future<Void>> closing = new ArrayList<>();
    clients.values().forEach(c -> closing.add(c.close()));
    await(Future.join(closing), Duration.ofSeconds(30));
    http.close();
  }

  /** Records everything a client hears and answers each message with a delivered receipt. */
  private final class Recorder implements ClientListener {
    private final String user;
    private final LatticeClient[] client;

    Recorder(String user, LatticeClient[] client) {
      this.user = user;
      this.client = client;
    }

    @Override
    public void onState(ConnectionState.Change change) {
      history.state(user, change);
    }

    @Override
    public void onMessage(Message message, int index, Timeline timeline) {
      history.received(user, message);
      if (!message.senderId().equals(user)) {
        client[0].receipt(message.conversationId(), List.of(message.messageId()), "delivered");
      }
    }

    @Override
    public void onReceipt(JsonObject receipt) {
      if (!user.equals(receipt.getString("recipientId"))) {
        history.receipt(user, receipt.getString("messageId"), receipt.getString("recipientId"),
            receipt.getLong("deliveredAt", 0L), receipt.getLong("readAt", 0L));
      }
    }
  }

  static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling clients on other threads
    }
  }
}
