package io.lattice.e2e.support;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/** Mints HS256 JWTs in the test, to build tokens the dev endpoint never hands out (expired, wrongly signed). */
public final class Jwt {
  private Jwt() {
  }

  public static String hs256(String secret, JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString(new JsonObject().put("alg", "HS256").put("typ", "JWT").encode()
        .getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    String signingInput = header + "." + payload;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token for {@code userId} valid from {@code now + fromNow} for {@code ttl} (negative values for the past). */
  public static String hs256(String secret, String userId, Duration issuedFromNow, Duration ttl) {
    Instant iat = Instant.now().plus(issuedFromNow);
    return hs256(secret, new JsonObject().put("sub", userId).put("iat", iat.getEpochSecond())
        .put("exp", iat.plus(ttl).getEpochSecond()));
  }

  public static String valid(String secret, String userId) {
    return hs256(secret, userId, Duration.ofSeconds(-5), Duration.ofMinutes(10));
  }

  /** Issued 20 minutes ago, expired 10 minutes ago: beyond any reasonable clock-skew leeway. */
  public static String expired(String secret, String userId) {
    return hs256(secret, userId, Duration.ofMinutes(-20), Duration.ofMinutes(10));
  }
}
