package io.lattice.testinfra;

import io.lattice.kafka.EmbeddedKafka;
import io.lattice.kafka.RegionListeners;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real single-node Kafka cluster (KRaft, broker and controller in one process) run as a separate JVM with Kafka's
 * own main class {@code kafka.Kafka}, from the Kafka server jars on Maven Central (the {@code kafka_2.13} 3.7.1 that
 * the Lattice fat jar carries for its embedded mode; the process gets the fat jar as classpath and nothing of ours
 * runs in it).
 *
 * <p>It is configured exactly as a region's embedded broker would be ({@link EmbeddedKafka#brokerProperties}), with
 * one extra listener per consuming region ({@link RegionListeners#overrides}), from a spec shaped like the
 * {@code kafka.embedded} block of a demo conf: {@code {"port", "controllerPort", "remoteListeners": [{"region",
 * "port", "advertised"}]}} ({@code conf/prod-local/infra.json} holds one per region). The data directory is formatted
 * at the first start and reused afterwards, so a restarted broker keeps its log and the committed offsets.
 */
public final class KafkaBroker implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Path dir;
  private final JsonObject spec;
  private final Path jar;
  private final Process process;

  private KafkaBroker(Path dir, JsonObject spec, Path jar, Process process) {
    this.dir = dir;
    this.spec = spec;
    this.jar = jar;
    this.process = process;
  }

  /**
   * Starts the broker and returns once it accepts clients on its port (its log says "Kafka Server started").
   *
   * @param dir the broker's own directory (log dirs under {@code dir/log}, config and output beside)
   * @param jar the Lattice fat jar (the classpath of the broker process)
   */
  public static KafkaBroker start(Path dir, JsonObject spec, Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no fat jar at " + jar + ": build it first (mvn -DskipTests package)");
    }
    try {
      Path logDir = Files.createDirectories(dir.resolve("log"));
      Map<String, String> props = EmbeddedKafka.brokerProperties(logDir, spec.getInteger("port"),
          spec.getInteger("controllerPort"), RegionListeners.overrides(spec));
      EmbeddedKafka.formatIfNeeded(logDir, props);
      Path config = dir.resolve("server.properties");
      Properties properties = new Properties();
      properties.putAll(props);
      try (OutputStream out = Files.newOutputStream(config)) {
        properties.store(out, "Lattice local Kafka broker (io.lattice.testinfra.KafkaBroker)");
      }
      Path logback = dir.resolve("logback.xml");
      Files.writeString(logback, """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} %msg%n</pattern></encoder>
            </appender>
            <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
            <root level="WARN"><appender-ref ref="OUT"/></root>
          </configuration>
          """);
      Path out = dir.resolve("kafka.out");
      Files.deleteIfExists(out);
      List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ActiveProcessorCount=2",
          "-Dlogback.configurationFile=" + logback, "-cp", jar.toString(), "kafka.Kafka", config.toString());
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      KafkaBroker broker = new KafkaBroker(dir, spec, jar, process);
      broker.awaitStarted(out);
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + spec.getInteger("port");
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9: no controlled shutdown, as when the machine dies. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(process);
  }

  /** A fresh process on the same directory and ports (after {@link #kill} or {@link #close}). */
  public KafkaBroker restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("broker " + bootstrapServers() + " is still running");
    }
    return start(dir, spec, jar);
  }

  /** SIGTERM: Kafka's controlled shutdown (log flushed); forcibly after 30 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    awaitExit(process);
  }

  private static void awaitExit(Process process) {
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Polls (every 100 ms) for the "started" line and then for the client port; fails if the process dies. */
  private void awaitStarted(Path out) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!(logSays(out, "Kafka Server started") && accepts(spec.getInteger("port")))) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        throw new IllegalStateException("Kafka broker in " + dir + (process.isAlive() ? " timed out" : " exited")
            + " before it started:\n" + (text.length() > 4000 ? text.substring(text.length() - 4000) : text));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // polling another process, not syncing threads
    }
  }

  private static boolean logSays(Path out, String line) throws IOException {
    return Files.exists(out) && Files.readString(out, StandardCharsets.UTF_8).contains(line);
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
