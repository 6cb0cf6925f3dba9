package io.lattice.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop delay: on every event loop of the node, a task scheduled every {@code intervalMs} (100) records how late
 * it ran ({@link LatticeMetrics#EVENT_LOOP_DELAY}, tag {@code loop}). A loop busy with long handlers or blocked runs
 * it late, so the figure is what any callback on that loop waits on top of its own work. The tasks are scheduled on
 * Netty's loops directly rather than with Vert.x timers, because a verticle's timers all run on the one loop of its
 * context and we want every loop. Durations come from {@link System#nanoTime()}: monotonic, unlike a wall Clock.
 */
public final class EventLoopDelayVerticle extends VerticleBase {
  private final String region;
  private final String node;
  private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
  private volatile boolean stopped;

  public EventLoopDelayVerticle(String region, String node) {
    this.region = region;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    long intervalNanos = TimeUnit.MILLISECONDS.toNanos(config().getLong("intervalMs", 100L));
    MeterRegistry registry = LatticeMetrics.registry();
    int index = 0;
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      Timer timer = Timer.builder(LatticeMetrics.EVENT_LOOP_DELAY)
          .description("how late a periodic task runs on the event loop").tag("region", region).tag("node", node)
          .tag("loop", Integer.toString(index++)).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry);
      probe(loop, timer, intervalNanos);
    }
    return Future.succeededFuture();
  }

  /** One probe at a time per loop: scheduled again only after it ran, so a blocked loop is not flooded. */
  private void probe(EventExecutor loop, Timer timer, long intervalNanos) {
    if (stopped) {
      return;
    }
    long due = System.nanoTime() + intervalNanos;
    synchronized (scheduled) {
      scheduled.removeIf(java.util.concurrent.Future::isDone);
      scheduled.add(loop.schedule(() -> {
        timer.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
        probe(loop, timer, intervalNanos);
      }, intervalNanos, TimeUnit.NANOSECONDS));
    }
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    synchronized (scheduled) {
      scheduled.forEach(f -> f.cancel(false));
      scheduled.clear();
    }
    return Future.succeededFuture();
  }
}
