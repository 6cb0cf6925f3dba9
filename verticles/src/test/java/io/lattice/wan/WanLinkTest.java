package io.lattice.wan;

import io.lattice.store.TestVertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

class WanLinkTest {

  private static final Duration DELAY = Duration.ofMillis(50);
  private static final long DELAY_NANOS = DELAY.toNanos();
  /** Loose: the machine is noisy; the lower bounds are the strict ones. */
  private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** The largest chunk one socket read delivers (Netty's adaptive receive buffer tops out at 64 KiB). */
  private static final long MAX_READ_CHUNK = 64 * 1024;

  private Vertx vertx;
  private NetServer echo;
  private NetClient client;
  private WanLink link;

  @BeforeEach
  void setUp() {
    vertx = TestVertx.create();
    echo = vertx.createNetServer().connectHandler(socket -> socket.pipeTo(socket));
    await(echo.listen(0, "127.0.0.1"));
    client = vertx.createNetClient();
    link = new WanLink(vertx, "echo", 0, "127.0.0.1", echo.actualPort(), DELAY);
    await(link.start());
  }

  @AfterEach
  void tearDown() {
    if (vertx != null) {
      await(link.stop());
      await(vertx.close());
    }
  }

  // ---------------------------------------------------------------- latency

  @Test
  void should_add_the_one_way_delay_in_each_direction_to_a_round_trip() {
    long[] rtts = await(roundTrips(link.port(), 5, 16));

    for (long rtt : rtts) {
      assertThat(rtt).as("round trip (ns)").isGreaterThanOrEqualTo(2 * DELAY_NANOS);
      assertThat(rtt).as("round trip (ns)").isLessThan(2 * DELAY_NANOS + SLACK_NANOS);
    }
    WanLink.Stats stats = link.stats();
    assertThat(stats.accepted()).isEqualTo(1);
    assertThat(stats.bytesToTarget()).isEqualTo(5 * 16);
    assertThat(stats.bytesFromTarget()).isEqualTo(5 * 16);
  }

  @Test
  void should_report_the_added_latency_accuracy_over_200_round_trips() {
    Duration delay = Duration.ofMillis(10);
    link.setDelay(delay);
    long[] direct = await(roundTrips(echo.actualPort(), 200, 64));
    long[] viaLink = await(roundTrips(link.port(), 200, 64));

    long configured = 2 * delay.toNanos();
    long[] excess = Arrays.stream(viaLink).map(rtt -> rtt - configured).sorted().toArray();
    Arrays.sort(direct);
    System.out.printf("WanLink accuracy, 200 round trips of 64 B, one-way delay %d ms (RTT adds %d ms):%n"
            + "  direct (no link) RTT     p50 %.3f ms  p99 %.3f ms  max %.3f ms%n"
            + "  via link, RTT - %d ms    min %.3f ms  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
        delay.toMillis(), 2 * delay.toMillis(),
        ms(percentile(direct, 50)), ms(percentile(direct, 99)), ms(direct[direct.length - 1]),
        2 * delay.toMillis(),
        ms(excess[0]), ms(percentile(excess, 50)), ms(percentile(excess, 99)), ms(excess[excess.length - 1]));
    WanLink.Stats stats = link.stats();
    System.out.printf("  link's own lateness past due, per chunk (%d chunks): mean %.3f ms  max %.3f ms%n",
        stats.chunksWritten(), ms(stats.latenessMeanNanos()), ms(stats.latenessMaxNanos()));

    assertThat(excess[0]).as("no round trip may beat the configured delay").isGreaterThanOrEqualTo(0);
    assertThat(percentile(excess, 50)).as("median excess (ns)").isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
  }

  @Test
  void should_apply_a_new_delay_to_later_chunks() {
    link.setDelay(Duration.ofMillis(150));
    long[] slower = await(roundTrips(link.port(), 2, 16));
    assertThat(min(slower)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));

    link.setDelay(Duration.ofMillis(5));
    long[] faster = await(roundTrips(link.port(), 3, 16));
    assertThat(min(faster)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
    // Below the old delay's round trip (300 ms); loose, the machine is noisy.
    assertThat(max(faster)).isLessThan(TimeUnit.MILLISECONDS.toNanos(300));
    assertThat(link.delay()).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void should_not_let_a_shorter_delay_reorder_bytes_already_in_flight() {
    link.setDelay(Duration.ofMillis(200));
    Peer peer = Peer.connect(client, link.port());
    long sentA = System.nanoTime();
    peer.write("A");
    // "A" is queued in the link (200 ms to go) before the delay drops, so "B" is read as a separate chunk.
    eventually(() -> link.stats().heldBytes() > 0, "A held by the link");
    link.setDelay(Duration.ZERO);
    peer.write("B");

    peer.awaitBytes(2);
    long arrived = System.nanoTime();
    assertThat(peer.received()).isEqualTo("AB".getBytes());
    // "B" waited for "A": at least A's 200 ms towards the echo (the way back is undelayed by then).
    assertThat(arrived - sentA).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    peer.close();
  }

  // ---------------------------------------------------------------- integrity

  @Test
  void should_stream_2_mb_through_byte_identical_and_in_order() {
    byte[] payload = new byte[2 * 1024 * 1024];
    ThreadLocalRandom.current().nextBytes(payload);
    Peer peer = Peer.connect(client, link.port());
    // Several writes, so the link sees many chunks.
    int piece = 100_000;
    for (int off = 0; off < payload.length; off += piece) {
      peer.write(Arrays.copyOfRange(payload, off, Math.min(payload.length, off + piece)));
    }

    peer.awaitBytes(payload.length);
    assertThat(peer.received()).isEqualTo(payload);
    assertThat(link.stats().bytesToTarget()).isEqualTo(payload.length);
    assertThat(link.stats().bytesFromTarget()).isEqualTo(payload.length);
    peer.close();
  }

  @Test
  void should_deliver_the_data_before_the_peers_close() {
    // A server that sends 300 KB and closes at once: the close must not overtake the data.
    byte[] payload = new byte[300_000];
    ThreadLocalRandom.current().nextBytes(payload);
    NetServer sender = vertx.createNetServer().connectHandler(s -> s.write(Buffer.buffer(payload)).eventually(s::close));
    await(sender.listen(0, "127.0.0.1"));
    WanLink toSender = new WanLink(vertx, "sender", 0, "127.0.0.1", sender.actualPort(), DELAY);
    await(toSender.start());

    Peer peer = Peer.connect(client, toSender.port());
    peer.awaitClosed();
    assertThat(peer.received()).isEqualTo(payload);
    await(toSender.stop());
    await(sender.close());
  }

  // ---------------------------------------------------------------- partitions

  @Test
  void should_close_open_connections_on_cut_and_refuse_new_ones_until_restore() {
    Peer before = Peer.connect(client, link.port());
    before.write("hello");
    before.awaitBytes(5);
    assertThat(link.stats().active()).isEqualTo(1);

    long cutAt = System.nanoTime();
    await(link.cut());
    before.awaitClosed();
    // At once, not after the delay or a timeout.
    assertThat(System.nanoTime() - cutAt).isLessThan(SLACK_NANOS);
    assertThat(link.isCut()).isTrue();
    assertThat(link.stats().active()).isZero();

    // A new connection either fails or is closed before anything comes back.
    Future<NetSocket> attempt = client.connect(link.port(), "127.0.0.1");
    CompletableFuture<Void> refused = new CompletableFuture<>();
    attempt.onComplete(ar -> {
      if (ar.failed()) {
        refused.complete(null);
      } else {
        NetSocket s = ar.result();
        s.closeHandler(v -> refused.complete(null));
        s.handler(b -> refused.completeExceptionally(new AssertionError("data through a cut link")));
        s.write("ping");
      }
    });
    await(Future.fromCompletionStage(refused));
    eventually(() -> link.stats().refused() == 1, "the new connection counted as refused");
    assertThat(link.stats().active()).isZero();

    await(link.restore());
    assertThat(link.isCut()).isFalse();
    long[] rtts = await(roundTrips(link.port(), 2, 8));
    assertThat(min(rtts)).isGreaterThanOrEqualTo(2 * DELAY_NANOS);
  }

  @Test
  void should_close_the_client_when_the_target_is_unreachable() {
    NetServer gone = vertx.createNetServer().connectHandler(NetSocket::close);
    await(gone.listen(0, "127.0.0.1"));
    int port = gone.actualPort();
    await(gone.close());
    WanLink dangling = new WanLink(vertx, "dangling", 0, "127.0.0.1", port, DELAY);
    await(dangling.start());

    Peer peer = Peer.connect(client, dangling.port());
    peer.awaitClosed();
    assertThat(dangling.stats().connectFailures()).isEqualTo(1);
    assertThat(dangling.stats().active()).isZero();
    await(dangling.stop());
  }

  // ---------------------------------------------------------------- backpressure

  @Test
  void should_pause_a_fast_sender_when_the_delay_queue_reaches_the_bound() {
    long bound = 256 * 1024;
    WanLink small = new WanLink(vertx, "small", "127.0.0.1", 0, "127.0.0.1", echo.actualPort(), DELAY, bound);
    await(small.start());
    // A sink for the echo: count and checksum what comes back.
    Flood flood = Flood.start(vertx, client, small.port(), 8L * 1024 * 1024, true);

    await(Future.fromCompletionStage(flood.echoed));
    WanLink.Stats stats = small.stats();
    System.out.printf("fast sender, bound %d KiB: max held in a pipe %d KiB, source pauses %d%n",
        bound / 1024, stats.maxHeldInPipe() / 1024, stats.sourcePauses());
    assertThat(flood.echoCrc.getValue()).isEqualTo(flood.sentCrc.getValue());
    assertThat(stats.sourcePauses()).isPositive();
    assertThat(stats.maxHeldInPipe()).isLessThanOrEqualTo(bound + MAX_READ_CHUNK);
    assertThat(stats.heldBytes()).isZero();
    await(small.stop());
  }

  @Test
  void should_not_buffer_without_bound_behind_a_slow_reader() {
    long bound = 512 * 1024;
    // A sink that reads nothing until told to.
    CompletableFuture<NetSocket> sinkSocket = new CompletableFuture<>();
    AtomicLong sunk = new AtomicLong();
    CRC32 sinkCrc = new CRC32();
    NetServer sink = vertx.createNetServer().connectHandler(s -> {
      s.pause();
      s.handler(b -> {
        synchronized (sinkCrc) {
          sinkCrc.update(b.getBytes());
        }
        sunk.addAndGet(b.length());
      });
      sinkSocket.complete(s);
    });
    await(sink.listen(0, "127.0.0.1"));
    WanLink toSink = new WanLink(vertx, "sink", "127.0.0.1", 0, "127.0.0.1", sink.actualPort(), DELAY, bound);
    await(toSink.start());

    long cap = 256L * 1024 * 1024;
    Flood flood = Flood.start(vertx, client, toSink.port(), cap, false);
    // Quiescence: the link has paused the sender and the sender has made no progress for a while.
    eventually(() -> toSink.stats().pausedSources() >= 1 && flood.stalledFor() > TimeUnit.MILLISECONDS.toNanos(500),
        "the sender stalled behind the slow reader");
    WanLink.Stats stalled = toSink.stats();
    long written = flood.written.get();
    System.out.printf("slow reader, bound %d KiB: sender stalled after %d KiB (kernel buffers absorb the rest),"
            + " link holds %d KiB, max held in a pipe %d KiB%n",
        bound / 1024, written / 1024, stalled.heldBytes() / 1024, stalled.maxHeldInPipe() / 1024);
    assertThat(written).as("the sender must stall, not stream into the proxy's memory").isLessThan(cap);
    assertThat(stalled.heldBytes()).isLessThanOrEqualTo(bound + MAX_READ_CHUNK);
    assertThat(stalled.maxHeldInPipe()).isLessThanOrEqualTo(bound + MAX_READ_CHUNK);

    // Let the reader go: everything arrives, intact.
    flood.stop();
    long total = flood.awaitStopped();
    sinkSocket.join().resume();
    eventually(() -> sunk.get() >= total, "all " + total + " bytes at the reader");
    assertThat(sunk.get()).isEqualTo(total);
    synchronized (sinkCrc) {
      assertThat(sinkCrc.getValue()).isEqualTo(flood.sentCrc.getValue());
    }
    assertThat(toSink.stats().maxHeldInPipe()).isLessThanOrEqualTo(bound + MAX_READ_CHUNK);
    await(toSink.stop());
    await(sink.close());
  }

  // ---------------------------------------------------------------- WanLinks

  @Test
  void should_build_links_from_json_and_find_them_by_name() {
    JsonObject config = new JsonObject("""
        {"links":[
          {"name":"eu-west-kafka","listenPort":0,"target":"127.0.0.1:%d","oneWayDelayMs":40},
          {"name":"ap-northeast-kafka","target":"127.0.0.1:%d","oneWayDelayMs":80,"maxHeldBytes":1048576}
        ]}""".formatted(echo.actualPort(), echo.actualPort()));
    WanLinks links = WanLinks.fromJson(vertx, config);
    await(links.start());
    try {
      assertThat(links.all()).extracting(WanLink::name).containsExactly("eu-west-kafka", "ap-northeast-kafka");
      WanLink eu = links.get("eu-west-kafka");
      assertThat(eu.delay()).isEqualTo(Duration.ofMillis(40));
      assertThat(eu.port()).isPositive();
      assertThat(links.get("ap-northeast-kafka").maxHeldBytes()).isEqualTo(1048576);
      assertThat(links.find("nowhere")).isEmpty();

      long[] rtt = await(roundTrips(eu.port(), 1, 8));
      assertThat(rtt[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(80));

      await(links.cut("eu-west-kafka"));
      assertThat(eu.isCut()).isTrue();
      await(links.restore("eu-west-kafka"));
      assertThat(eu.isCut()).isFalse();
    } finally {
      await(links.stop());
    }
  }

  @Test
  void should_reject_bad_link_json() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WanLinks.fromJson(vertx,
            new JsonObject("{\"links\":[{\"name\":\"x\",\"target\":\"nohostport\"}]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WanLinks.fromJson(vertx,
            new JsonObject("{\"links\":[{\"name\":\"x\",\"target\":\"h:1\"},{\"name\":\"x\",\"target\":\"h:2\"}]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WanLinks.fromJson(vertx,
            new JsonObject("{\"links\":[{\"name\":\"x\",\"target\":\"h:1\",\"oneWayDelayMs\":-1}]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThat(WanLinks.fromJson(vertx, new JsonObject()).all()).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * {@code count} sequential round trips of {@code size} bytes to an echo at {@code port}, timed on the event loop
   * from the write to the last byte of the echo; completes with the round-trip times in nanoseconds.
   */
  private Future<long[]> roundTrips(int port, int count, int size) {
    Promise<long[]> promise = Promise.promise();
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        promise.fail(ar.cause());
        return;
      }
      NetSocket socket = ar.result();
      long[] rtts = new long[count];
      Buffer message = Buffer.buffer(new byte[size]);
      long[] state = {0, 0, 0}; // index, bytes received this round, start time
      socket.closeHandler(x -> promise.tryFail("closed after " + state[0] + " round trips"));
      socket.handler(b -> {
        state[1] += b.length();
        if (state[1] < size) {
          return;
        }
        long now = System.nanoTime();
        rtts[(int) state[0]] = now - state[2];
        state[0]++;
        state[1] = 0;
        if (state[0] == count) {
          socket.closeHandler(null);
          socket.close();
          promise.tryComplete(rtts);
        } else {
          state[2] = System.nanoTime();
          socket.write(message.copy());
        }
      });
      state[2] = System.nanoTime();
      socket.write(message.copy());
    }));
    return promise.future();
  }

  private static long percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static long min(long[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static long max(long[] values) {
    return Arrays.stream(values).max().orElseThrow();
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  /** Waits, with a timeout, for a condition another thread makes true. */
  private static void eventually(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TestVertx.TIMEOUT.toNanos();
    Object monitor = new Object();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      synchronized (monitor) {
        try {
          monitor.wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  /** A client connection whose received bytes the test thread can wait for. */
  private static final class Peer {
    private final NetSocket socket;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean closed;

    private Peer(NetSocket socket) {
      this.socket = socket;
    }

    static Peer connect(NetClient client, int port) {
      CompletableFuture<Peer> ready = new CompletableFuture<>();
      client.connect(port, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          ready.completeExceptionally(ar.cause());
          return;
        }
        Peer peer = new Peer(ar.result());
        peer.socket.handler(peer::onData);
        peer.socket.closeHandler(v -> peer.onClose());
        ready.complete(peer);
      });
      return await(Future.fromCompletionStage(ready));
    }

    private synchronized void onData(Buffer b) {
      received.writeBytes(b.getBytes());
      notifyAll();
    }

    private synchronized void onClose() {
      closed = true;
      notifyAll();
    }

    void write(String s) {
      await(socket.write(s));
    }

    void write(byte[] bytes) {
      socket.write(Buffer.buffer(bytes));
    }

    synchronized byte[] received() {
      return received.toByteArray();
    }

    synchronized void awaitBytes(int n) {
      awaitUntil(() -> received.size() >= n, n + " bytes (have " + received.size() + ")");
    }

    synchronized void awaitClosed() {
      awaitUntil(() -> closed, "the connection to close");
    }

    private void awaitUntil(BooleanSupplier condition, String what) {
      long deadline = System.nanoTime() + TestVertx.TIMEOUT.toNanos();
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("timed out waiting for " + what);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }

    void close() {
      await(socket.close());
    }
  }

  /**
   * A sender that writes random 64 KiB chunks as fast as the connection takes them (respecting its own write
   * queue), up to {@code limit} bytes or until stopped, keeping a CRC of what it sent and, if asked, of what comes
   * back.
   */
  private static final class Flood {
    final AtomicLong written = new AtomicLong();
    final CRC32 sentCrc = new CRC32();
    final CRC32 echoCrc = new CRC32();
    final CompletableFuture<Void> echoed = new CompletableFuture<>();
    private final CompletableFuture<Long> stopped = new CompletableFuture<>();
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private volatile boolean waitingForDrain;
    private volatile boolean stopRequested;
    private final long limit;
    private NetSocket socket;
    private long echoedBytes;

    private Flood(long limit) {
      this.limit = limit;
    }

    static Flood start(Vertx vertx, NetClient client, int port, long limit, boolean readEcho) {
      Flood flood = new Flood(limit);
      CompletableFuture<Void> connected = new CompletableFuture<>();
      vertx.getOrCreateContext().runOnContext(v -> client.connect(port, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          connected.completeExceptionally(ar.cause());
          return;
        }
        flood.socket = ar.result();
        if (readEcho) {
          flood.socket.handler(flood::onEcho);
        }
        connected.complete(null);
        flood.pump();
      }));
      await(Future.fromCompletionStage(connected));
      return flood;
    }

    private void onEcho(Buffer b) {
      synchronized (echoCrc) {
        echoCrc.update(b.getBytes());
      }
      echoedBytes += b.length();
      if (echoedBytes == limit) {
        echoed.complete(null);
      }
    }

    private void pump() {
      waitingForDrain = false;
      lastProgress.set(System.nanoTime());
      while (!stopRequested && written.get() < limit && !socket.writeQueueFull()) {
        byte[] chunk = new byte[(int) Math.min(64 * 1024, limit - written.get())];
        ThreadLocalRandom.current().nextBytes(chunk);
        synchronized (sentCrc) {
          sentCrc.update(chunk);
        }
        socket.write(Buffer.buffer(chunk));
        written.addAndGet(chunk.length);
      }
      if (stopRequested || written.get() >= limit) {
        stopped.complete(written.get());
        return;
      }
      waitingForDrain = true;
      socket.drainHandler(v -> pump());
    }

    /** Nanoseconds since the sender last made progress, or 0 while it is not blocked. */
    long stalledFor() {
      return waitingForDrain ? System.nanoTime() - lastProgress.get() : 0;
    }

    void stop() {
      stopRequested = true;
      if (waitingForDrain) {
        // The drain handler will see the flag; if the queue never drains, complete here.
        stopped.complete(written.get());
      }
    }

    long awaitStopped() {
      return await(Future.fromCompletionStage(stopped));
    }
  }
}
