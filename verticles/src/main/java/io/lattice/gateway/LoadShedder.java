package io.lattice.gateway;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Connection shedding under memory pressure. Every round the node's heap use is measured as the old generation's
 * occupancy after the last collection (what stays live; the raw heap figure swings with garbage); above
 * {@code threshold} the node is overloaded: new connections are refused (503, like admission control) and a small
 * share of the existing ones is told to reconnect elsewhere each round, until the heap falls back below it. Shedding
 * a few per round, never all, keeps a node that is merely full from turning its whole population into a reconnect
 * storm on its neighbours. Used on the gateway's event loop.
 */
final class LoadShedder {

  private final double threshold;
  private final double sharePerRound;
  private final DoubleSupplier heapFraction;
  private boolean overloaded;
  private double lastFraction;
  private long shed;

  /**
   * @param threshold     heap fraction (0-1) above which the node sheds (default 0.8)
   * @param sharePerRound the share of connections shed per round while above it (default 0.02)
   */
  LoadShedder(double threshold, double sharePerRound, DoubleSupplier heapFraction) {
    this.threshold = threshold;
    this.sharePerRound = sharePerRound;
    this.heapFraction = heapFraction;
  }

  boolean overloaded() {
    return overloaded;
  }

  double lastFraction() {
    return lastFraction;
  }

  long shedTotal() {
    return shed;
  }

  /**
   * One round: measures, and while overloaded hands {@code share} of the connections to {@code shedder}. The
   * connections are listed only then: the round runs every second on the event loop of a node that may hold tens of
   * thousands of them.
   */
  <C> void round(Supplier<List<C>> connections, Consumer<C> shedder) {
    lastFraction = heapFraction.getAsDouble();
    overloaded = lastFraction > threshold;
    if (!overloaded) {
      return;
    }
    List<C> all = connections.get();
    int count = all.isEmpty() ? 0 : (int) Math.max(1, Math.ceil(all.size() * sharePerRound));
    for (C connection : all.subList(0, Math.min(count, all.size()))) {
      shedder.accept(connection);
      shed++;
    }
  }

  /** Old-generation occupancy after the last GC over its maximum; the whole heap's if no pool reports it. */
  static double oldGenerationAfterGc() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      String name = pool.getName();
      MemoryUsage afterGc = pool.getCollectionUsage();
      if (pool.getType() == MemoryType.HEAP && afterGc != null
          && (name.contains("Old") || name.contains("Tenured"))) {
        long max = afterGc.getMax() > 0 ? afterGc.getMax() : Runtime.getRuntime().maxMemory();
        return (double) afterGc.getUsed() / max;
      }
    }
    Runtime runtime = Runtime.getRuntime();
    return (double) (runtime.totalMemory() - runtime.freeMemory()) / runtime.maxMemory();
  }
}
