package io.lattice.client;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Where the client gets the JWT it presents on every (re)connect. Called with {@code refresh = true} after a
 * region refused the last token (HTTP 401 on the upgrade: expired, or signed with a key that region does not
 * have), so a provider can fetch a new one from the application's identity service.
 */
@FunctionalInterface
public interface TokenProvider {

  Future<String> token(Region.Endpoint endpoint, boolean refresh);

  /** Always the same token (tests; short sessions). */
  static TokenProvider fixed(String token) {
    return (endpoint, refresh) -> Future.succeededFuture(token);
  }

  /**
   * Tokens from a region's dev endpoint {@code POST /api/dev/token} (demo confs only: {@code auth.devTokens}),
   * asked of the endpoint being connected to and kept until a minute before they expire or a region refuses one.
   */
  static TokenProvider devTokens(HttpClient http, String userId) {
    return new TokenProvider() {
      private String token;
      private long expiresAtMs;

      @Override
      public synchronized Future<String> token(Region.Endpoint endpoint, boolean refresh) {
        if (!refresh && token != null && System.currentTimeMillis() < expiresAtMs - 60_000) {
          return Future.succeededFuture(token);
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
            .setAbsoluteURI(endpoint.httpUrl() + "/api/dev/token").setConnectTimeout(5_000).setIdleTimeout(5_000)
            .putHeader("content-type", "application/json");
        return http.request(options)
            .compose(request -> request.send(new JsonObject().put("userId", userId).encode()))
            .compose(response -> response.body().compose(body -> response.statusCode() == 200
                ? Future.succeededFuture(body.toJsonObject())
                : Future.failedFuture("dev token: HTTP " + response.statusCode())))
            .map(json -> {
              synchronized (this) {
                token = json.getString("token");
                expiresAtMs = json.getLong("expiresAt", 0L);
                return token;
              }
            });
      }
    };
  }
}
