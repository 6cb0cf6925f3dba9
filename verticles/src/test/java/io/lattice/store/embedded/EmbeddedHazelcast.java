package io.lattice.store.embedded;

import ch.qos.logback.classic.Level;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;

/**
 * A single-member Hazelcast for tests: joins only itself on 127.0.0.1, on a free port, with no multicast, no
 * cloud auto-discovery and no phone-home, under a cluster name of its own so test classes never find each other.
 */
public final class EmbeddedHazelcast {

  private EmbeddedHazelcast() {
  }

  public static HazelcastInstance start(Class<?> testClass) {
    quietLogs();
    Config config = new Config();
    config.setClusterName(testClass.getSimpleName() + "-" + UUID.randomUUID());
    config.setInstanceName(config.getClusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.partition.count", "31");
    config.setProperty("hazelcast.discovery.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(freePort()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    config.getJetConfig().setEnabled(false);
    return Hazelcast.newHazelcastInstance(config);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Hazelcast logs its whole life story at INFO; the tests only need its warnings. */
  private static void quietLogs() {
    if (LoggerFactory.getLogger("com.hazelcast") instanceof ch.qos.logback.classic.Logger logger) {
      logger.setLevel(Level.WARN);
    }
  }
}
