package io.lattice.wan;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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

  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong active = new AtomicLong();
  private final AtomicLong bytesToTarget = new AtomicLong();
  private final AtomicLong bytesFromTarget = new AtomicLong();
  private final AtomicLong heldBytes = new AtomicLong();
  private final AtomicLong maxHeldInPipe = new AtomicLong();
  private final AtomicLong sourcePauses = new AtomicLong();
  private final AtomicLong pausedSources = new AtomicLong();
  private final AtomicLong chunksWritten = new AtomicLong();
  private final AtomicLong latenessTotalNanos = new AtomicLong();
  private final AtomicLong latenessMaxNanos = new AtomicLong();

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
    return new Stats(accepted.get(), refused.get(), connectFailures.get(), active.get(), bytesToTarget.get(),
        bytesFromTarget.get(), heldBytes.get(), maxHeldInPipe.get(), sourcePauses.get(), pausedSources.get(),
        chunksWritten.get(), latenessTotalNanos.get(), latenessMaxNanos.get());
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
      refused.incrementAndGet();
      downstream.close();
      return;
    }
    accepted.incrementAndGet();
    Connection connection = new Connection(downstream);
    connections.add(connection);
    active.incrementAndGet();
    downstream.closeHandler(v -> connection.downstreamClosedBeforeConnect());
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        connectFailures.incrementAndGet();
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
  private final class Connection {
    final NetSocket downstream;
    NetSocket upstream;
    Pipe toTarget;
    Pipe fromTarget;
    boolean closed;

    Connection(NetSocket downstream) {
      this.downstream = downstream;
    }

    void downstreamClosedBeforeConnect() {
      abort();
    }

    void wire(NetSocket up) {
      upstream = up;
      toTarget = new Pipe(this, downstream, up, bytesToTarget);
      fromTarget = new Pipe(this, up, downstream, bytesFromTarget);
      toTarget.start();
      fromTarget.start();
    }

    /** Closes both sides now, dropping whatever is queued. */
    void abort() {
      if (closed) {
        return;
      }
      closed = true;
      connections.remove(this);
      active.decrementAndGet();
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

  /** One direction of one connection: a FIFO of chunks, each written when due. */
  private final class Pipe {
    private final Connection connection;
    private final NetSocket source;
    private final NetSocket destination;
    private final AtomicLong counter;
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private long held;
    private long lastDue = Long.MIN_VALUE;
    private Timer timer;
    private long timerDue;
    private boolean destinationFull;
    private boolean paused;
    private boolean sourceEnded;

    Pipe(Connection connection, NetSocket source, NetSocket destination, AtomicLong counter) {
      this.connection = connection;
      this.source = source;
      this.destination = destination;
      this.counter = counter;
    }

    void start() {
      source.handler(this::read);
      source.endHandler(v -> onSourceEnd());
      // A close without an end (reset) ends the stream too; onSourceEnd is idempotent.
      source.closeHandler(v -> onSourceEnd());
      source.exceptionHandler(t -> LOG.debug("WAN link {}: socket error: {}", name, t.toString()));
      destination.drainHandler(v -> {
        destinationFull = false;
        drain();
      });
      source.resume();
    }

    private void read(Buffer chunk) {
      if (connection.closed) {
        return;
      }
      enqueue(new Chunk(chunk, dueTime()));
      held += chunk.length();
      heldBytes.addAndGet(chunk.length());
      maxHeldInPipe.accumulateAndGet(held, Math::max);
      drain();
    }

    private void onSourceEnd() {
      if (sourceEnded || connection.closed) {
        return;
      }
      sourceEnded = true;
      enqueue(new Chunk(null, dueTime()));
      drain();
    }

    private long dueTime() {
      long due = System.nanoTime() + delayNanos;
      if (due < lastDue) {
        due = lastDue;
      }
      lastDue = due;
      return due;
    }

    private void enqueue(Chunk chunk) {
      queue.addLast(chunk);
    }

    /** Writes every chunk that is due while the destination accepts, then re-arms the timer and the flow. */
    private void drain() {
      if (connection.closed) {
        return;
      }
      long now = System.nanoTime();
      while (!destinationFull && !queue.isEmpty() && queue.peekFirst().due - now <= 0) {
        Chunk chunk = queue.pollFirst();
        if (chunk.data == null) {
          // The source's end, now due: close the connection (the data ahead of it is written).
          connection.abort();
          return;
        }
        int n = chunk.data.length();
        held -= n;
        heldBytes.addAndGet(-n);
        destination.write(chunk.data);
        counter.addAndGet(n);
        long late = now - chunk.due;
        chunksWritten.incrementAndGet();
        latenessTotalNanos.addAndGet(late);
        latenessMaxNanos.accumulateAndGet(late, Math::max);
        if (destination.writeQueueFull()) {
          destinationFull = true;
        }
      }
      armTimer(now);
      updateFlow();
    }

    private void armTimer(long now) {
      if (destinationFull || queue.isEmpty()) {
        return;
      }
      long due = queue.peekFirst().due;
      if (timer != null) {
        if (timerDue == due) {
          return;
        }
        timer.cancel();
      }
      Timer t = vertx.timer(Math.max(1_000L, due - now), TimeUnit.NANOSECONDS);
      timer = t;
      timerDue = due;
      t.onSuccess(v -> {
        if (timer == t) {
          timer = null;
          drain();
        }
      });
    }

    /** Pauses the source while the destination is full or too much is held; resumes below half the bound. */
    private void updateFlow() {
      if (sourceEnded) {
        return;
      }
      if (!paused && (destinationFull || held >= maxHeldBytes)) {
        paused = true;
        source.pause();
        sourcePauses.incrementAndGet();
        pausedSources.incrementAndGet();
      } else if (paused && !destinationFull && held <= maxHeldBytes / 2) {
        paused = false;
        pausedSources.decrementAndGet();
        source.resume();
      }
    }

    /** Drops the queue and the timer; the connection is closing. */
    void discard() {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      heldBytes.addAndGet(-held);
      held = 0;
      queue.clear();
      if (paused) {
        paused = false;
        pausedSources.decrementAndGet();
      }
    }
  }

  /** Bytes (or the end of the stream, when {@code data} is null) and the time they are due. */
  private record Chunk(Buffer data, long due) {
  }
}
