package io.lattice;

import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/** Which region and node this process is; handed to every verticle of the node. */
public record NodeIdentity(String region, String nodeId) {
  /** Names travel inside ids, cursors and canonical positions (separated by ':'), so they are kept plain. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

  public NodeIdentity {
    if (!NAME.matcher(region).matches() || !NAME.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("region and node names must match " + NAME.pattern() + ": " + region
          + ", " + nodeId);
    }
  }

  public static NodeIdentity of(JsonObject conf) {
    return new NodeIdentity(conf.getString("region", "us-east"), conf.getString("node", "n1"));
  }
}
