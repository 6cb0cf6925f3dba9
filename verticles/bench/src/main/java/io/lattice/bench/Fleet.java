package io.lattice.bench;

import io.lattice.client.ClientListener;
import io.lattice.client.ClientOptions;
import io.lattice.client.ConnectionState;
import io.lattice.client.LatticeClient;
import io.lattice.client.Region;
import io.lattice.client.Timeline;
import io.lattice.client.TokenProvider;
import io.lattice.model.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * The deployment under test (its regions, found from the targets' /health) and the simulated users: one
 * {@link LatticeClient} each, preferring its home region, on one shared Vert.x instance.
 */
final class Fleet implements AutoCloseable {
  static final List<String> DEMO_TARGETS = List.of("http://127.0.0.1:8081", "http://127.0.0.1:8082",
      "http://127.0.0.1:8083");

  final Vertx vertx;
  final HttpClient http;
  /** Dev tokens and conversation creation, apart from the scrapes and health probes of {@link #http}. */
  private final HttpClient setupHttp;
  final Stats stats;
  /** Region name -> HTTP base URL, in the order of the targets. */
  final Map<String, String> regions = new LinkedHashMap<>();
  final List<User> users = new CopyOnWriteArrayList<>();
  final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  private final AtomicInteger connected = new AtomicInteger();
  private final Duration timeout;

  /** Hooks of one user's listener (set by the scenario before connecting). */
  interface Handler {
    default void onMessage(User user, Message message) {
    }

    default void onReceipt(User user, JsonObject receipt) {
    }
  }

  final class User implements ClientListener {
    final int index;
    final String id;
    final String home;
    final Handler handler;
    LatticeClient client;
    volatile boolean up;

    User(int index, String id, String home, Handler handler) {
      this.index = index;
      this.id = id;
      this.home = home;
      this.handler = handler;
    }

    @Override
    public void onState(ConnectionState.Change change) {
      boolean now = change.state() == ConnectionState.CONNECTED;
      if (now != up) {
        up = now;
        connected.addAndGet(now ? 1 : -1);
        if (!now && change.state() != ConnectionState.OFFLINE) {
          stats.count("reconnects");
        }
      }
    }

    @Override
    public void onMessage(Message message, int index, Timeline timeline) {
      handler.onMessage(this, message);
    }

    @Override
    public void onReceipt(JsonObject receipt) {
      handler.onReceipt(this, receipt);
    }

    @Override
    public void onError(String code, String message) {
      stats.count("errors." + code);
    }
  }

  Fleet(List<String> targets, boolean allowRemote, Stats stats, Duration timeout) {
    this.stats = stats;
    this.timeout = timeout;
    this.vertx = Vertx.vertx();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16));
    this.setupHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    try {
      for (String target : targets) {
        checkLoopback(target, allowRemote);
        JsonObject health = getJson(target + "/health");
        regions.put(health.getString("region"), target);
      }
      // The clients learn the other regions from /api/regions and fail over to them: they must be loopback too.
      for (String target : targets) {
        String body = get(target + "/api/regions").trim();
        JsonArray list = body.startsWith("[") ? new JsonArray(body)
            : new JsonObject(body).getJsonArray("regions", new JsonArray());
        for (Object o : list) {
          JsonObject region = (JsonObject) o;
          checkLoopback(region.getString("httpUrl"), allowRemote);
        }
      }
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    stats.gauge("connections", connected::get);
  }

  static void checkLoopback(String url, boolean allowRemote) {
    if (allowRemote) {
      return;
    }
    String host = URI.create(url).getHost();
    boolean loopback;
    try {
      loopback = host != null && (host.equalsIgnoreCase("localhost") || (isAddressLiteral(host)
          && InetAddress.getByName(host).isLoopbackAddress()));
    } catch (Exception e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalArgumentException("refusing to load " + url + ": not a loopback address (127.0.0.0/8, "
          + "localhost); pass --allow-remote to drive a remote deployment");
    }
  }

  private static boolean isAddressLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  List<String> regionNames() {
    return new ArrayList<>(regions.keySet());
  }

  int connected() {
    return connected.get();
  }

  /** A new user homed in {@code region}; not connected yet. */
  User user(String label, String region, Handler handler) {
    User u = new User(users.size(), "b" + runId + "-" + label, region, handler);
    ClientOptions options = ClientOptions.defaults(new ArrayList<>(regions.values()))
        .withPreference(List.of(region));
    u.client = new LatticeClient(vertx, options, TokenProvider.devTokens(setupHttp, u.id), u);
    users.add(u);
    return u;
  }

  /** Connects users, {@code parallel} at a time, and waits until all are connected. */
  void connectAll(List<User> list, int parallel) {
    long t0 = System.nanoTime();
    for (int i = 0; i < list.size(); i += parallel) {
      List<User> batch = list.subList(i, Math.min(list.size(), i + parallel));
      await(Future.all(batch.stream().map(u -> u.client.connect()).toList()));
      int done = i;
      awaitTrue(batch.size() + " clients connected (" + done + " before them; connected now: " + connected.get()
          + ")", () -> batch.stream().allMatch(u -> u.up));
    }
    stats.add("connect.ms", (System.nanoTime() - t0) / 1_000_000);
  }

  /** Creates a direct (one other) or group conversation through the creator's home region. */
  String conversation(User creator, List<User> others, String title) {
    try {
      return createConversation(creator, others, title);
    } catch (IllegalStateException e) {
      stats.count("setup retries");
      System.out.println("conversation creation failed (" + e.getMessage() + "), once more");
      return createConversation(creator, others, title);
    }
  }

  private String createConversation(User creator, List<User> others, String title) {
    String base = regions.get(creator.home);
    Duration limit = timeout.compareTo(Duration.ofSeconds(60)) < 0 ? timeout : Duration.ofSeconds(60);
    String token = await(TokenProvider.devTokens(setupHttp, creator.id).token(new Region.Endpoint(base, null),
        false), limit);
    JsonObject body = new JsonObject().put("type", others.size() == 1 ? "direct" : "group")
        .put("participants", new JsonArray(others.stream().map(u -> (Object) u.id).toList())).put("title", title);
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(base
        + "/api/conversations").putHeader("authorization", "Bearer " + token)
        .putHeader("content-type", "application/json").setIdleTimeout(30_000);
    JsonObject created = await(setupHttp.request(request).compose(r -> r.send(body.encode()))
        .compose(r -> r.body().compose(b -> r.statusCode() / 100 == 2 ? Future.succeededFuture(b.toJsonObject())
            : Future.failedFuture("create conversation: HTTP " + r.statusCode() + " " + b))), limit);
    return created.getString("conversationId");
  }

  String get(String url) {
    RequestOptions request = new RequestOptions().setAbsoluteURI(url).setConnectTimeout(5_000)
        .setIdleTimeout(10_000);
    return await(http.request(request).compose(r -> r.send().compose(resp -> resp.body().compose(b ->
        resp.statusCode() / 100 == 2 ? Future.succeededFuture(b.toString())
            : Future.failedFuture(url + ": HTTP " + resp.statusCode())))));
  }

  JsonObject getJson(String url) {
    return new JsonObject(get(url));
  }

  <T> T await(Future<T> future) {
    return await(future, timeout);
  }

  <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void awaitTrue(String what, BooleanSupplier condition) {
    if (!pollUntil(timeout, condition)) {
      throw new IllegalStateException("timed out after " + timeout + " waiting for: " + what);
    }
  }

  /** Polls the condition (state held by clients on other threads) every 20 ms; false when time ran out. */
  static boolean pollUntil(Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }

  @Override
  public void close() {
    try {
      List<Future<Void>> closing = new ArrayList<>();
      users.forEach(u -> closing.add(u.client.close()));
      Future.join(closing).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort
    }
  }
}
