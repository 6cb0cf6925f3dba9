package io.lattice.e2e.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out free TCP ports below 32768 (the Linux ephemeral range starts there, so the kernel never hands these to
 * outgoing connections). A port is reserved with an exclusive file lock under {@code java.io.tmpdir}, so several test
 * JVMs running in parallel never pick the same one, and it is probed by binding it on 127.0.0.1 and 0.0.0.0.
 */
public final class PortAllocator {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final Path LOCK_DIR = Path.of(System.getProperty("java.io.tmpdir"), "lattice-e2e-ports");

  private PortAllocator() {
  }

  /** A reserved port; keep it until the process using it is gone, then {@link #close()} it. */
  public static final class Reservation implements AutoCloseable {
    private final int port;
    private final FileChannel channel;
    private final FileLock lock;

    private Reservation(int port, FileChannel channel, FileLock lock) {
      this.port = port;
      this.channel = channel;
      this.lock = lock;
    }

    public int port() {
      return port;
    }

    @Override
    public void close() {
      try {
        lock.release();
        channel.close();
      } catch (IOException ignored) {
        // the lock goes away with the channel or the JVM anyway
      }
    }
  }

  public static Reservation reserve() {
    try {
      Files.createDirectories(LOCK_DIR);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + LOCK_DIR, e);
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 2_000; attempt++) {
      int port = LOW + random.nextInt(HIGH - LOW);
      Reservation reservation = tryLock(port);
      if (reservation == null) {
        continue;
      }
      if (isFree(port)) {
        return reservation;
      }
      reservation.close();
    }
    throw new IllegalStateException("no free port in " + LOW + ".." + HIGH);
  }

  private static Reservation tryLock(int port) {
    FileChannel channel = null;
    try {
      channel = FileChannel.open(LOCK_DIR.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return null;
      }
      return new Reservation(port, channel, lock);
    } catch (IOException | OverlappingFileLockException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
      return null;
    }
  }

  static boolean isFree(int port) {
    return canBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        && canBind(new InetSocketAddress(port));
  }

  private static boolean canBind(InetSocketAddress address) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(address);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
