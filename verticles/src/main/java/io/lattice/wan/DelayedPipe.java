package io.lattice.wan;

import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One direction of one proxied connection of a {@link WanLink}: a FIFO of chunks, each written when due (read time +
 * the link's current one-way delay, never earlier than the chunk before it, so a lowered delay cannot reorder bytes).
 * Pauses its source while the destination's write queue is full or it holds {@code maxHeldBytes}.
 *
 * <p>Threading: confined to the event loop of the link's context.
 */
final class DelayedPipe {
  private static final Logger LOG = LoggerFactory.getLogger(WanLink.class);

  /** The connection a pipe belongs to. */
  interface Owner {
    boolean closed();

    /** Closes both sides now, dropping whatever is queued. */
    void abort();
  }

  private final Vertx vertx;
  private final String name;
  private final LinkCounters counters;
  private final LongSupplier delayNanos;
  private final long maxHeldBytes;
  private final Owner connection;
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

  DelayedPipe(Vertx vertx, String name, LinkCounters counters, LongSupplier delayNanos, long maxHeldBytes,
              Owner connection, NetSocket source, NetSocket destination, AtomicLong counter) {
    this.vertx = vertx;
    this.name = name;
    this.counters = counters;
    this.delayNanos = delayNanos;
    this.maxHeldBytes = maxHeldBytes;
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
    if (connection.closed()) {
      return;
    }
    enqueue(new Chunk(chunk, dueTime()));
    held += chunk.length();
    counters.heldBytes.addAndGet(chunk.length());
    counters.maxHeldInPipe.accumulateAndGet(held, Math::max);
    drain();
  }

  private void onSourceEnd() {
    if (sourceEnded || connection.closed()) {
      return;
    }
    sourceEnded = true;
    enqueue(new Chunk(null, dueTime()));
    drain();
  }

  private long dueTime() {
    long due = System.nanoTime() + delayNanos.getAsLong();
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
    if (connection.closed()) {
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
      counters.heldBytes.addAndGet(-n);
      destination.write(chunk.data);
      counter.addAndGet(n);
      long late = now - chunk.due;
      counters.chunksWritten.incrementAndGet();
      counters.latenessTotalNanos.addAndGet(late);
      counters.latenessMaxNanos.accumulateAndGet(late, Math::max);
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
      counters.sourcePauses.incrementAndGet();
      counters.pausedSources.incrementAndGet();
    } else if (paused && !destinationFull && held <= maxHeldBytes / 2) {
      paused = false;
      counters.pausedSources.decrementAndGet();
      source.resume();
    }
  }

  /** Drops the queue and the timer; the connection is closing. */
  void discard() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    counters.heldBytes.addAndGet(-held);
    held = 0;
    queue.clear();
    if (paused) {
      paused = false;
      counters.pausedSources.decrementAndGet();
    }
  }

  /** Bytes (or the end of the stream, when {@code data} is null) and the time they are due. */
  private record Chunk(Buffer data, long due) {
  }
}
