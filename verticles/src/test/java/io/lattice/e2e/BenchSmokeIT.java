package io.lattice.e2e;

import io.lattice.bench.BenchMain;
import io.lattice.e2e.support.MeshCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load benchmark ({@code ./lattice bench}, module verticles/bench) on the three-region mesh, with tiny sizes for
 * a few seconds per scenario, through its library entry point {@link BenchMain#run}: so that the bench cannot rot.
 * Every message sent is delivered exactly once, and each report (HTML + JSON) is written and parses.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchSmokeIT {
  private static MeshCluster mesh;
  private static String targets;

  @BeforeAll
  static void start() {
    mesh = MeshCluster.builder().name("BenchSmokeIT").start();
    List<String> urls = new ArrayList<>();
    MeshCluster.REGIONS.forEach(r -> urls.add(mesh.region(r).httpUrl(0)));
    targets = String.join(",", urls);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private static JsonObject bench(Path dir, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--targets", targets, "--report", dir.toString(), "--scrape-ms", "500", "--drain", "30"));
    JsonObject out = BenchMain.run(argv.toArray(String[]::new));
    Path html = dir.resolve("index.html");
    Path json = dir.resolve("report.json");
    assertThat(html).exists();
    assertThat(Files.readString(html)).contains("<svg", "const DATA = {").doesNotContain("http://cdn", "https://");
    JsonObject parsed = new JsonObject(Files.readString(json));
    assertThat(parsed.getString("scenario")).isEqualTo(out.getString("scenario"));
    assertThat(parsed.getJsonObject("server").getJsonObject("regions").fieldNames())
        .as("every region's /metrics scraped").containsAll(MeshCluster.REGIONS);
    return out.getJsonObject("results");
  }

  private static void assertExactlyOnce(JsonObject r) {
    assertThat(r.getLong("sent")).isPositive();
    assertThat(r.getLong("failed")).isZero();
    assertThat(r.getLong("acked")).isEqualTo(r.getLong("sent"));
    assertThat(r.getLong("delivered")).isEqualTo(r.getLong("expectedDeliveries"));
    assertThat(r.getLong("duplicates")).isZero();
    assertThat(r.getLong("lost")).isZero();
  }

  @Test
  void everyScenarioRunsAndDeliversEachMessageOnce() throws Exception {
    Path reports = Files.createTempDirectory("bench-smoke-");

    JsonObject direct = bench(reports.resolve("direct"), "direct", "--pairs", "6", "--rate", "60",
        "--duration", "3", "--warmup", "1");
    assertExactlyOnce(direct);
    assertThat(direct.getLong("delivered")).isEqualTo(direct.getLong("sent"));
    JsonObject deliver = new JsonObject(Files.readString(reports.resolve("direct/report.json")))
        .getJsonObject("latencies").getJsonObject("send->deliver");
    assertThat(deliver.getJsonObject("steady").getLong("count")).as("the first second's sends left out")
        .isPositive().isLessThan(deliver.getLong("count"));

    JsonObject group = bench(reports.resolve("group"), "group", "--members", "9", "--rate", "6", "--duration", "3");
    assertExactlyOnce(group);
    assertThat(group.getLong("delivered")).isEqualTo(group.getLong("sent") * 8);

    JsonObject receipts = bench(reports.resolve("receipts"), "receipts", "--pairs", "4", "--rate", "8",
        "--duration", "3");
    assertExactlyOnce(receipts);
    assertThat(receipts.getLong("readMarks")).isEqualTo(receipts.getLong("acked"));

    JsonObject max = bench(reports.resolve("max"), "max", "--pairs", "6", "--start", "20", "--step", "20",
        "--step-seconds", "2", "--ceiling", "40", "--p99-ms", "2000");
    assertExactlyOnce(max);
    assertThat(max.getDouble("maxSustainedRate")).as("a ramp step passed").isGreaterThanOrEqualTo(20.0);
  }
}
