package io.lattice.gateway;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the Node tests of the web client's JavaScript (src/test/js: the page's sync timing in sync.js and lattice.js's
 * Client, under mocked timers; no browser, no server) so that they run with the module's tests. Skipped where there
 * is no {@code node} on the PATH (the Chromium ITs still cover the page end to end).
 */
class WebSyncNodeTest {
  @Test
  void node_tests_of_the_web_client_pass() throws Exception {
    Path tests = Path.of("src/test/js");
    assertThat(tests).isDirectory();
    Process node;
    try {
      node = new ProcessBuilder("node", "--test", tests.toString()).redirectErrorStream(true).start();
    } catch (IOException noNode) {
      Assumptions.abort("no node on the PATH: " + noNode.getMessage());
      return;
    }
    Path log = Files.createTempFile("web-sync-node", ".log");
    // Drained on its own thread so that a full pipe cannot stall node; the wait is bounded.
    Thread drain = new Thread(() -> {
      try {
        Files.copy(node.getInputStream(), log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException ignored) {
        // the exit code still decides
      }
    });
    drain.start();
    boolean exited = node.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      node.destroyForcibly();
    }
    drain.join(5000);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("node --test finished within 120 s:\n" + output).isTrue();
    assertThat(node.exitValue()).as("node --test " + tests + ":\n" + output).isZero();
    assertThat(output).contains("# fail 0");
  }
}
