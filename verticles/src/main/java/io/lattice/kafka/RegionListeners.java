package io.lattice.kafka;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * A region's broker listeners: besides its own client listener, one listener per consuming region that advertises
 * that region's WAN link address, so remote clients reach the broker only through the link (the simulated WAN
 * shapes every byte they exchange, metadata included). Shared by the embedded broker ({@code kafka.embedded} of a
 * demo conf) and the external broker processes of {@code conf/prod-local/infra.json}.
 */
public final class RegionListeners {

  private RegionListeners() {
  }

  /**
   * The broker properties ({@code listeners}, {@code advertised.listeners}, {@code listener.security.protocol.map})
   * for a spec {@code {"port", "controllerPort", "remoteListeners": [{"region", "port", "advertised"}]}}: empty when
   * there are no remote listeners (the broker's defaults then apply).
   */
  public static Map<String, String> overrides(JsonObject embedded) {
    int port = embedded.getInteger("port", 0);
    int controllerPort = embedded.getInteger("controllerPort", 0);
    JsonArray remotes = embedded.getJsonArray("remoteListeners", new JsonArray());
    if (remotes.isEmpty() || port == 0 || controllerPort == 0) {
      return Map.of();
    }
    StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
        + controllerPort);
    StringBuilder advertised = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
    StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    for (Object r : remotes) {
      JsonObject remote = (JsonObject) r;
      String name = "R_" + remote.getString("region").toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
      listeners.append(',').append(name).append("://127.0.0.1:").append(remote.getInteger("port"));
      advertised.append(',').append(name).append("://").append(remote.getString("advertised"));
      protocols.append(',').append(name).append(":PLAINTEXT");
    }
    return Map.of("listeners", listeners.toString(), "advertised.listeners", advertised.toString(),
        "listener.security.protocol.map", protocols.toString());
  }
}
