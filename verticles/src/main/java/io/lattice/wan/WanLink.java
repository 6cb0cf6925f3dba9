package io.lattice.wan;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One simulated WAN link: a TCP proxy on loopback that forwards every accepted connection to a fixed target and
 * delivers every chunk, in each direction, {@linkplain #delay() one-way delay} after it was read.
 *
 * <p>Each accepted connection gets its own upstream connection to the target (opened through the link's one
 * {@link NetClient}), and two pipes, one per direction. A pipe is a FIFO of chunks stamped with the time they are
 * due ({@code read time + delay}, never earlier than the previous chunk's due time, so lowering the delay never
 * reorders bytes); one timer per pipe, armed for the head of the queue, writes every chunk that is due. A peer's
 * close travels the same way: it is queued behind the data and closes the other side when it falls due.
 *
 * <p>Memory is bounded per pipe: the source socket is paused while the destination's {@link
 * NetSocket#writeQueueFull() write queue is full} (resumed on drain) and while the bytes held in the pipe (delayed
 * and not yet written) reach {@code maxHeldBytes}; it is resumed once they fall to half of it. A pipe therefore
 * holds at most {@code maxHeldBytes} plus one read chunk, and the link's throughput per connection is capped near
 * {@code maxHeldBytes / delay} (80 MiB/s for 4 MiB at 50 ms), as TCP's window would cap a real long fat pipe.
 *
 * <p>{@link #cut()} simulates a partition: every open connection is closed at once (both sides, queued data
 * dropped) and new connections are accepted and closed immediately, so clients see the connection end (EOF; an
 * orderly close, not a reset) instead of hanging until a timeout. {@link #restore()} accepts connections again.
 *
 * <p>Timing: due times use {@link System#nanoTime()} and a chunk is never written before its due time; it is
 * written late by the timer resolution of the event loop (about 0.5 ms on average with Netty's NIO transport,
 * whose selector waits in whole milliseconds) plus whatever else the event loop is doing; {@link Stats} reports
 * the lateness.
 *
 * <p>Threading: the server listens on the context that calls {@link #start()} (the calling verticle's, or a new
 * event-loop context), so every connection, pipe and timer of the link runs on that one event loop and the
 * per-connection state needs no locks. Nothing blocks. The controls may be called from any thread; the counters
 * are atomics readable from any thread.
 */
public final class WanLink {

  /** The default bound on bytes held per pipe (one direction of one connection). */
  public static final long DEFAULT_MAX_HELD_BYTES = 4L * 1024 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(WanLink.class);

  private final Vertx vertx;
  private final String name;
  private final String listenHost;
  private final int listenPort;
  private final String targetHost;
  private final int targetPort;
  private final long maxHeldBytes;
  private final NetClient client;

  private volatile long delayNanos;
  private volatile boolean cut;
  private volatile boolean stopped;
  // Written on the link's context, read anywhere.
  private volatile Context context;
  private volatile NetServer server;

  // Confined to the link's context.
  private final Set<Connection> connections = new LinkedHashSet<>();
  private final LinkCounters counters = new LinkCounters();


  /**
   * A link with the default bound of {@link #DEFAULT_MAX_HELD_BYTES} held bytes per pipe.
   *
   * @param listenPort the loopback port to listen on, or 0 for any free port (see {@link #port()})
   */
  public WanLink(Vertx vertx, String name, int listenPort, String targetHost, int targetPort, Duration oneWayDelay) {
    this(vertx, name, "127.0.0.1", listenPort, targetHost, targetPort, oneWayDelay, DEFAULT_MAX_HELD_BYTES);
  }

  public WanLink(Vertx vertx, String name, String listenHost, int listenPort, String targetHost, int targetPort,
                 Duration oneWayDelay, long maxHeldBytes) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.name = Objects.requireNonNull(name, "name");
    this.listenHost = Objects.requireNonNull(listenHost, "listenHost");
    this.targetHost = Objects.requireNonNull(targetHost, "targetHost");
    if (listenPort < 0 || listenPort > 65535 || targetPort <= 0 || targetPort > 65535) {
      throw new IllegalArgumentException("link " + name + ": bad port (listen " + listenPort + ", target "
          + targetPort + ")");
    }
    if (maxHeldBytes <= 0) {
      throw new IllegalArgumentException("link " + name + ": maxHeldBytes must be positive");
    }
    this.listenPort = listenPort;
    this.targetPort = targetPort;
    this.maxHeldBytes = maxHeldBytes;
    this.delayNanos = checkedDelay(oneWayDelay).toNanos();
    this.client = vertx.createNetClient(new NetClientOptions()
        .setTcpNoDelay(true)
        .setConnectTimeout(10_000));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts listening; completes with the bound port. */
  public Future<Integer> start() {
    Context ctx = vertx.getOrCreateContext();
    Promise<Integer> promise = Promise.promise();
    ctx.runOnContext(v -> {
      if (server != null || stopped) {
        promise.fail(new IllegalStateException("link " + name + (stopped ? " stopped" : " already started")));
        return;
      }
      context = ctx;
      NetServer s = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
      s.connectHandler(this::accept);
      server = s;
      s.listen(listenPort, listenHost).onComplete(ar -> {
        if (ar.succeeded()) {
          LOG.info("WAN link {} listening on {}:{} -> {}:{}, one-way delay {} ms", name, listenHost,
              s.actualPort(), targetHost, targetPort, TimeUnit.NANOSECONDS.toMillis(delayNanos));
          promise.complete(s.actualPort());
        } else {
          server = null;
          promise.fail(ar.cause());
        }
      });
    });
    return promise.future();
  }

  /** Stops listening, closes every connection and the client. A stopped link cannot be started again. */
  public Future<Void> stop() {
    Context ctx = context;
    if (ctx == null) {
      stopped = true;
      return client.close();
    }
    Promise<Void> promise = Promise.promise();
    ctx.runOnContext(v -> {
      stopped = true;
      NetServer s = server;
      server = null;
      closeAll();
      Future<Void> closed = s == null ? Future.succeededFuture() : s.close();
      closed.eventually(client::close).onComplete(promise);
    });
    return promise.future();
  }

  // ---------------------------------------------------------------- controls

  /**
   * Sets the one-way delay for chunks read from now on. Chunks already queued keep their due time; a chunk is
   * never due before the one ahead of it, so shortening the delay cannot reorder bytes.
   */
  public void setDelay(Duration oneWayDelay) {
    delayNanos = checkedDelay(oneWayDelay).toNanos();
  }

  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /**
   * Partitions the link: closes every open connection (both sides, queued data dropped) and closes new ones as
   * soon as they are accepted, until {@link #restore()}. Completes once the open connections are closed.
   */
  public Future<Void> cut() {
    cut = true;
    return onContext(() -> {
      closeAll();
      LOG.info("WAN link {} cut", name);
    });
  }

  /** Heals the partition: new connections are forwarded again. */
  public Future<Void> restore() {
    cut = false;
    return onContext(() -> LOG.info("WAN link {} restored", name));
  }

  public boolean isCut() {
    return cut;
  }

  // ---------------------------------------------------------------- read-only

  public String name() {
    return name;
  }

  /** The bound port once started, else the configured one. */
  public int port() {
    NetServer s = server;
    return s == null ? listenPort : s.actualPort();
  }

  public String target() {
    return targetHost + ":" + targetPort;
  }

  public long maxHeldBytes() {
    return maxHeldBytes;
  }

  /** A snapshot of the counters. */
  public Stats stats() {
    return new Stats(counters.accepted.get(), counters.refused.get(), counters.connectFailures.get(), counters.active.get(), counters.bytesToTarget.get(),
        counters.bytesFromTarget.get(), counters.heldBytes.get(), counters.maxHeldInPipe.get(), counters.sourcePauses.get(), counters.pausedSources.get(),
        counters.chunksWritten.get(), counters.latenessTotalNanos.get(), counters.latenessMaxNanos.get());
  }

  /**
   * The link's counters.
   *
   * @param accepted         connections accepted and forwarded (or being connected) while the link was up
   * @param refused          connections closed at once because the link was cut
   * @param connectFailures  accepted connections closed because the target could not be reached
   * @param active           connections open now
   * @param bytesToTarget    bytes written to the target (client to target direction)
   * @param bytesFromTarget  bytes written back to clients (target to client direction)
   * @param heldBytes        bytes read but not yet written, over all pipes, now
   * @param maxHeldInPipe    the most bytes any one pipe has held at once
   * @param sourcePauses     times a source was paused for backpressure
   * @param pausedSources    sources paused now
   * @param chunksWritten    chunks written to either side after their delay
   * @param latenessTotalNanos the sum, over written chunks, of how long after its due time each was written
   *                         (timer lateness, event-loop load and time spent waiting for a full destination)
   * @param latenessMaxNanos the largest such lateness
   */
  public record Stats(long accepted, long refused, long connectFailures, long active, long bytesToTarget,
                      long bytesFromTarget, long heldBytes, long maxHeldInPipe, long sourcePauses,
                      long pausedSources, long chunksWritten, long latenessTotalNanos, long latenessMaxNanos) {

    /** The mean lateness of a written chunk past its due time, in nanoseconds. */
    public long latenessMeanNanos() {
      return chunksWritten == 0 ? 0 : latenessTotalNanos / chunksWritten;
    }
  }

  @Override
  public String toString() {
    return "WanLink[" + name + " " + listenHost + ":" + port() + " -> " + target() + ", "
        + TimeUnit.NANOSECONDS.toMillis(delayNanos) + " ms" + (cut ? ", cut" : "") + "]";
  }

  // ---------------------------------------------------------------- internals

  private static Duration checkedDelay(Duration d) {
    Objects.requireNonNull(d, "oneWayDelay");
    if (d.isNegative()) {
      throw new IllegalArgumentException("one-way delay must not be negative: " + d);
    }
    return d;
  }

  private Future<Void> onContext(Runnable action) {
    Context ctx = context;
    if (ctx == null) {
      action.run();
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    ctx.runOnContext(v -> {
      action.run();
      promise.complete();
    });
    return promise.future();
  }

  private void closeAll() {
    for (Connection c : new ArrayList<>(connections)) {
      c.abort();
    }
    connections.clear();
  }

  private void accept(NetSocket downstream) {
    // Nothing is read until the upstream side exists.
    downstream.pause();
    if (cut || server == null) {
      counters.refused.incrementAndGet();
      downstream.close();
      return;
    }
    counters.accepted.incrementAndGet();
    Connection connection = new Connection(downstream);
    connections.add(connection);
    counters.active.incrementAndGet();
    downstream.closeHandler(v -> connection.downstreamClosedBeforeConnect());
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        counters.connectFailures.incrementAndGet();
        LOG.debug("WAN link {}: target {} unreachable: {}", name, target(), ar.cause().toString());
        connection.abort();
        return;
      }
      NetSocket upstream = ar.result();
      if (connection.closed) {
        // Cut, stopped or the client left while we were connecting.
        upstream.close();
        return;
      }
      connection.wire(upstream);
    });
  }

  /** One proxied connection: the accepted (downstream) socket, the target (upstream) socket and two pipes. */
  private final class Connection implements DelayedPipe.Owner {
    final NetSocket downstream;
    NetSocket upstream;
    DelayedPipe toTarget;
    DelayedPipe fromTarget;
    boolean closed;

    Connection(NetSocket downstream) {
      this.downstream = downstream;
    }

    void downstreamClosedBeforeConnect() {
      abort();
    }

    void wire(NetSocket up) {
      upstream = up;
      toTarget = new DelayedPipe(vertx, name, counters, () -> delayNanos, maxHeldBytes, this, downstream, up,
          counters.bytesToTarget);
      fromTarget = new DelayedPipe(vertx, name, counters, () -> delayNanos, maxHeldBytes, this, up, downstream,
          counters.bytesFromTarget);
      toTarget.start();
      fromTarget.start();
    }

    @Override
    public boolean closed() {
      return closed;
    }

    /** Closes both sides now, dropping whatever is queued. */
    @Override
    public void abort() {
      if (closed) {
        return;
      }
      closed = true;
      connections.remove(this);
      counters.active.decrementAndGet();
      if (toTarget != null) {
        toTarget.discard();
      }
      if (fromTarget != null) {
        fromTarget.discard();
      }
      downstream.close();
      if (upstream != null) {
        upstream.close();
      }
    }
  }

}
