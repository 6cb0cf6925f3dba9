package io.lattice.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A 6-node Redis Cluster (3 masters, 3 replicas) of {@code redis-server} processes on loopback, created with
 * {@code redis-cli --cluster create}; ready when every node says {@code cluster_state:ok} and every replica is
 * linked to its master.
 */
public final class RedisTestCluster implements AutoCloseable {

  private final Path root;
  private final Map<Integer, Process> nodes = new LinkedHashMap<>();
  private final List<Integer> masters = new ArrayList<>();

  RedisTestCluster(long nodeTimeoutMs) {
    RedisServers.requireInstalled();
    root = RedisServers.tempDir("redis-cluster-");
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int port = RedisServers.freePort(ports);
      ports.add(port);
      Path dir = root.resolve("node-" + port);
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      nodes.put(port, RedisServers.start(dir, port, List.of("--cluster-enabled", "yes", "--cluster-config-file",
          "nodes.conf", "--cluster-node-timeout", String.valueOf(nodeTimeoutMs), "--repl-diskless-load",
          "on-empty-db")));
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    ports.forEach(p -> create.add("127.0.0.1:" + p));
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    String out = RedisServers.run(create, root);
    if (!out.contains("All 16384 slots covered")) {
      throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
    }
    // Every node must agree the cluster is up, or the client may see a node still joining.
    RedisServers.awaitCondition("cluster_state:ok on every node", () -> ports.stream().allMatch(p ->
        cli(p, "cluster", "info").contains("cluster_state:ok")));
    for (int p : ports) {
      if (cli(p, "role").startsWith("master")) {
        masters.add(p);
      }
    }
    if (masters.size() != 3) {
      throw new IllegalStateException("expected 3 masters, found " + masters);
    }
    // Replicas in sync, so a failover test starts from replicated data.
    RedisServers.awaitCondition("every replica linked to its master", () -> ports.stream().allMatch(p -> {
      String info = cli(p, "info", "replication");
      return info.contains("role:master") || info.contains("master_link_status:up");
    }));
  }

  /** The {@code redis://} URIs of the masters the cluster was created with. */
  public List<String> masterUris() {
    return masters.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  public List<Integer> masterPorts() {
    return List.copyOf(masters);
  }

  /** The nodes still running. */
  public List<Integer> livePorts() {
    return nodes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
  }

  /** The port of the master serving each slot (0 if none), by the {@code CLUSTER NODES} of a live node. */
  public int[] slotOwners() {
    int[] owners = new int[16384];
    for (String line : cli(livePorts().get(0), "cluster", "nodes").lines().toList()) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
        continue;
      }
      int port = Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
      for (int i = 8; i < fields.length; i++) {
        if (fields[i].startsWith("[")) {
          continue; // a slot being migrated or imported: not an assignment
        }
        String[] bounds = fields[i].split("-");
        int from = Integer.parseInt(bounds[0]);
        int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
        Arrays.fill(owners, from, to + 1, port);
      }
    }
    return owners;
  }

  /** {@code redis-cli -p port args...}: its output. */
  public String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
    command.addAll(List.of(args));
    return RedisServers.run(command, root);
  }

  /** Kills a node with {@code SIGKILL} ({@code kill -9}: no shutdown, no last replication) and waits until it is gone. */
  public void kill(int port) {
    Process process = nodes.get(port);
    process.destroyForcibly();
    RedisServers.awaitCondition("redis-server on port " + port + " gone", () -> !process.isAlive());
  }

  @Override
  public void close() {
    nodes.values().forEach(RedisServers::stop);
    RedisServers.deleteTree(root);
  }
}
