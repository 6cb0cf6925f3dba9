package io.lattice.gateway;

import io.lattice.bus.TokenBucket;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Who may open a connection on this node, and who is asked to leave: refused while draining, while the heap is
 * over its shedding threshold, or above {@code gateway.maxNewConnectionsPerSecond}; under memory pressure a share of
 * the connections is told to reconnect elsewhere each second ({@link LoadShedder}).
 *
 * <p>Threading: the gateway verticle's event loop; {@link #draining()} is read from any thread.
 */
final class Admission {
  private final Vertx vertx;
  private final Clock clock;
  private final GatewayMetrics metrics;
  private final TokenBucket newConnections;
  private final LoadShedder shedder;
  private volatile boolean draining;

  Admission(Vertx vertx, JsonObject conf, GatewayMetrics metrics, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.metrics = metrics;
    double perSecond = conf.getDouble("maxNewConnectionsPerSecond", 5000.0);
    this.newConnections = new TokenBucket(perSecond, perSecond, clock.millis());
    this.shedder = new LoadShedder(conf.getDouble("shedHeapFraction", 0.8),
        conf.getDouble("shedSharePerRound", 0.02), LoadShedder::oldGenerationAfterGc);
  }

  /** Every second: under memory pressure, a share of {@code connections} is told to go elsewhere. */
  void startShedding(Supplier<List<Connection>> connections) {
    vertx.setPeriodic(1000, id -> shedder.round(connections, this::shed));
  }

  boolean draining() {
    return draining;
  }

  void drain() {
    draining = true;
  }

  /** True if the upgrade may go on; otherwise the request is answered 503 with Retry-After. */
  boolean admit(RoutingContext ctx, HttpApi api) {
    boolean overloaded = shedder.overloaded();
    long wait = draining || overloaded ? 1000 : newConnections.tryTake(clock.millis());
    if (wait == 0) {
      return true;
    }
    metrics.refused(draining ? "draining" : overloaded ? "overloaded" : "admission_rate");
    ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, wait / 1000)));
    api.fail(ctx, new ProtocolException(ErrorCode.UNAVAILABLE, draining ? "node is draining"
        : overloaded ? "node is overloaded, retry (another node)" : "too many new connections, retry"));
    return false;
  }

  /**
   * Clients that come back say so on the upgrade ({@code ?resume=<why they left>&downMs=<time without a
   * connection>}, see docs/protocol.md): the server cannot tell a failover from a first visit on its own.
   */
  void countReconnect(HttpServerRequest request) {
    String reason = UpgradeQuery.param(request.uri(), "resume");
    if (reason == null) {
      return;
    }
    long downMs = -1;
    try {
      String down = UpgradeQuery.param(request.uri(), "downMs");
      downMs = down == null ? -1 : Long.parseLong(down);
    } catch (NumberFormatException ignored) {
      // a reconnect without a usable duration still counts
    }
    metrics.reconnected(reason, downMs);
  }

  /** Sheds one connection under memory pressure: told to reconnect elsewhere, closed a second later. */
  private void shed(Connection connection) {
    metrics.reconnectRequested("overloaded");
    connection.write(ServerFrames.reconnect("overloaded", ThreadLocalRandom.current().nextLong(0, 2000)).encode());
    vertx.setTimer(1000, t -> connection.close(GatewayVerticle.CLOSE_GOING_AWAY, "overloaded"));
  }
}
