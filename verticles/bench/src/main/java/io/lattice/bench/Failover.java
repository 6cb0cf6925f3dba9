package io.lattice.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code failover}: the reliability work's region-kill scenario as {@code ./lattice chaos region-kill} runs it (its
 * own 3-region mesh, the history checker from the test tree); the bench only runs it and keeps its output and verdict.
 */
final class Failover {
  private Failover() {
  }

  static JsonObject run(Args args) {
    Path root = Path.of(args.string("root", System.getProperty("lattice.root", "."))).toAbsolutePath().normalize();
    Path launcher = root.resolve("lattice");
    if (!Files.isRegularFile(launcher)) {
      throw new IllegalArgumentException("failover needs the lattice launcher: not found at " + launcher
          + " (run from the repository root or pass --root DIR)");
    }
    List<String> command = new ArrayList<>(List.of(launcher.toString(), "chaos", args.string("chaos-scenario",
        "region-kill")));
    String extra = args.string("chaos-args", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    long limitS = args.integer("chaos-timeout", 900);
    System.out.println("failover: " + String.join(" ", command));
    List<String> lines = new ArrayList<>();
    long t0 = System.nanoTime();
    int exit;
    try {
      Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            System.out.println("  | " + line);
            synchronized (lines) {
              lines.add(line);
            }
          }
        } catch (java.io.IOException ignored) {
          // process ended
        }
      });
      reader.start();
      if (!p.waitFor(limitS, TimeUnit.SECONDS)) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
        exit = -1;
      } else {
        exit = p.exitValue();
      }
      reader.join(10_000);
    } catch (Exception e) {
      throw new IllegalStateException("could not run " + command + ": " + e, e);
    }
    JsonArray tail = new JsonArray();
    synchronized (lines) {
      lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(tail::add);
    }
    String verdict = exit == 0 ? "PASS: the checker found the run clean" : exit == -1 ? "TIMEOUT after " + limitS
        + " s" : "FAIL (exit " + exit + ")";
    return new JsonObject().put("command", String.join(" ", command)).put("exitCode", exit).put("verdict", verdict)
        .put("ok", exit == 0).put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0).put("output", tail);
  }
}
