package io.lattice.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Operator commands for one node, behind {@code gateway.adminToken} (absent: the routes do not exist).
 * {@code POST /admin/drain} with {@code Authorization: Bearer <adminToken>} answers 202 and then drains the node
 * exactly as SIGTERM does (the JVM's shutdown hook closes Vert.x, whose undeploy runs the gateway's drain: health
 * 503, reconnect frames with jitter, in-flight requests finished, sockets closed) and the process exits: what a
 * rolling restart's orchestrator calls before replacing the node.
 */
final class NodeAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAdmin.class);

  private NodeAdmin() {
  }

  static void mount(Router router, String adminToken, String nodeId) {
    if (adminToken == null || adminToken.isBlank()) {
      return;
    }
    byte[] expected = ("Bearer " + adminToken).getBytes(StandardCharsets.UTF_8);
    router.post("/admin/drain").handler(ctx -> {
      if (!authorized(ctx, expected)) {
        ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("code", "unauthorized").put("message", "admin token required").encode());
        return;
      }
      ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("status", "draining").put("node", nodeId).encode())
          .onComplete(v -> {
            LOG.info("drain requested by an operator: draining {} and exiting", nodeId);
            // Off the event loop: exit runs the shutdown hooks (Vert.x close -> drain) and waits for them.
            Thread exit = new Thread(() -> System.exit(0), "lattice-admin-drain");
            exit.setDaemon(false);
            exit.start();
          });
    });
  }

  private static boolean authorized(RoutingContext ctx, byte[] expected) {
    String header = ctx.request().getHeader("Authorization");
    return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
  }
}
