package io.lattice.bench;

import io.vertx.core.json.JsonObject;

/** {@code connections}: N idle WebSockets (see the class below). */
final class Connections {
  private Connections() {
  }

  static JsonObject run(Fleet fleet, Stats stats, Scraper scraper, Args args) {
    throw new IllegalArgumentException("connections: not implemented yet");
  }

  static JsonObject worker(Args args) {
    throw new IllegalArgumentException("connections-worker: not implemented yet");
  }
}
