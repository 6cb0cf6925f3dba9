package io.lattice.e2e;

import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

/**
 * What the end-to-end classes share: one region cluster per class (each class starts it in its own
 * {@code @BeforeAll}, with its own settings) and the clients of each test, closed after it. Failsafe runs the
 * classes one after another, so the static cluster belongs to one class at a time.
 */
abstract class RegionTestBase {
  protected static RegionCluster region;
  private final List<TestClient> clients = new ArrayList<>();

  @AfterAll
  static void stopRegion() {
    if (region != null) {
      region.close();
      region = null;
    }
  }

  @AfterEach
  void closeClients() {
    clients.forEach(TestClient::close);
    clients.clear();
  }

  protected TestClient connect(int node, String user) {
    TestClient client = TestClient.connect(region, node, user);
    clients.add(client);
    return client;
  }
}
