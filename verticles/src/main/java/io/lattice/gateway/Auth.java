package io.lattice.gateway;

import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Clock;
import java.util.regex.Pattern;

/**
 * JWT tokens: HS256 with the configured secret (issuing and verifying); optional RS256/ES256 public keys for
 * verifying tokens issued elsewhere. Claim {@code sub} is the user id.
 */
final class Auth {
  static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  private final JWTAuth jwt;
  private final Clock clock;
  private final int ttlSeconds;

  Auth(Vertx vertx, JsonObject conf, Clock clock) {
    this.clock = clock;
    this.ttlSeconds = conf.getInteger("tokenTtlSeconds", 900);
    String secret = conf.getString("hs256Secret");
    if (secret == null || secret.length() < 32) {
      throw new IllegalArgumentException("auth.hs256Secret must be set, at least 32 characters");
    }
    JWTAuthOptions options = new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret));
    for (Object key : conf.getJsonArray("publicKeys", new JsonArray())) {
      JsonObject k = (JsonObject) key;
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(k.getString("algorithm")).setBuffer(k.getString("pem")));
    }
    this.jwt = JWTAuth.create(vertx, options);
  }

  /** {"token","expiresAt"} for a user. */
  JsonObject issue(Object userIdValue) {
    if (userIdValue == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, "userId is required");
    }
    if (!(userIdValue instanceof String userId) || !USER_ID.matcher(userId).matches()) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "userId must be 1..64 of [A-Za-z0-9._@-]");
    }
    long now = clock.millis();
    String token = jwt.generateToken(new JsonObject().put("sub", userId).put("iat", now / 1000),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(ttlSeconds).setNoTimestamp(true));
    return new JsonObject().put("token", token).put("expiresAt", now + ttlSeconds * 1000L);
  }

  /** The user id of a valid token, or an {@code unauthorized} failure. */
  Future<String> verify(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "missing token"));
    }
    return jwt.authenticate(new TokenCredentials(token)).transform(ar -> {
      String sub = ar.succeeded() ? ar.result().principal().getString("sub") : null;
      if (sub == null || !USER_ID.matcher(sub).matches()) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "invalid or expired token"));
      }
      return Future.succeededFuture(sub);
    });
  }

  /** The token of a request: {@code Authorization: Bearer} or {@code ?token=}. */
  static String tokenOf(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return UpgradeQuery.param(request.uri(), "token");
  }

}
