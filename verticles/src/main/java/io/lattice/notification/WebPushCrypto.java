package io.lattice.notification;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * The cryptography of Web Push, with the JDK only: RFC 8291 message encryption in the RFC 8188 {@code aes128gcm}
 * content coding (ECDH on P-256, HKDF-SHA-256, AES-128-GCM, one record), and RFC 8292 VAPID (an ES256 JWT).
 */
public final class WebPushCrypto {

  /** The record size written in the header; a push message is one record, far below it. */
  static final int RECORD_SIZE = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ECParameterSpec P256 = p256();

  private WebPushCrypto() {
  }

  /**
   * Encrypts {@code plaintext} for a user agent: {@code salt(16) | rs(4) | idlen(1) | keyid(65, the sender's
   * ephemeral public key) | AES-128-GCM(plaintext | 0x02)}.
   *
   * @param uaPublic the subscription's {@code p256dh}, an uncompressed P-256 point (65 bytes)
   * @param authSecret the subscription's {@code auth} (16 bytes)
   */
  public static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret)
      throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return encrypt(plaintext, uaPublic, authSecret, generator.generateKeyPair(), salt);
  }

  /** As above with a given ephemeral key pair and salt (the RFC 8291 test vector fixes both). */
  static byte[] encrypt(byte[] plaintext, byte[] uaPublic, byte[] authSecret, KeyPair ephemeral, byte[] salt)
      throws GeneralSecurityException {
    if (plaintext.length + 1 + 16 > RECORD_SIZE) {
      throw new IllegalArgumentException("a push message holds at most " + (RECORD_SIZE - 17) + " bytes");
    }
    byte[] asPublic = encodePoint((ECPublicKey) ephemeral.getPublic());
    KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
    ecdh.init(ephemeral.getPrivate());
    ecdh.doPhase(decodePoint(uaPublic), true);
    byte[] ecdhSecret = ecdh.generateSecret();

    // RFC 8291 section 3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" 0x00 ua_public as_public, 32).
    byte[] keyInfo = concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), uaPublic, asPublic);
    byte[] ikm = hkdf(authSecret, ecdhSecret, keyInfo, 32);
    // RFC 8188 section 2.2 and 2.3.
    byte[] cek = hkdf(salt, ikm, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
    byte[] nonce = hkdf(salt, ikm, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);

    Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
    aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
    byte[] padded = Arrays.copyOf(plaintext, plaintext.length + 1);
    padded[plaintext.length] = 2; // the delimiter of the last (only) record
    byte[] ciphertext = aes.doFinal(padded);

    return ByteBuffer.allocate(16 + 4 + 1 + asPublic.length + ciphertext.length).put(salt).putInt(RECORD_SIZE)
        .put((byte) asPublic.length).put(asPublic).put(ciphertext).array();
  }

  /** HKDF-SHA-256 (RFC 5869), for at most 32 bytes of output (one block). */
  static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) throws GeneralSecurityException {
    byte[] prk = hmac(salt, ikm);
    byte[] okm = hmac(prk, concat(info, new byte[] {1}));
    return Arrays.copyOf(okm, length);
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  /**
   * The VAPID {@code Authorization} header value: {@code vapid t=<ES256 JWT {aud, exp, sub}>, k=<public key>}.
   *
   * @param audience the push service's origin ({@code scheme://host[:port]})
   * @param expiresAtSeconds epoch seconds, at most 24 h ahead (RFC 8292 section 2)
   */
  public static String vapidAuthorization(String audience, long expiresAtSeconds, String subject,
                                          PrivateKey vapidPrivate, byte[] vapidPublic)
      throws GeneralSecurityException {
    String header = b64("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8));
    String claims = b64(new io.vertx.core.json.JsonObject().put("aud", audience).put("exp", expiresAtSeconds)
        .put("sub", subject).encode().getBytes(StandardCharsets.UTF_8));
    Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format"); // JWS wants r|s, not DER
    es256.initSign(vapidPrivate);
    es256.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return "vapid t=" + header + "." + claims + "." + b64(es256.sign()) + ", k=" + b64(vapidPublic);
  }

  /** A P-256 private key from its 32-byte scalar (how VAPID keys are usually given, base64url). */
  public static PrivateKey privateKey(byte[] d) throws GeneralSecurityException {
    return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(new BigInteger(1, d), P256));
  }

  /** A P-256 public key from an uncompressed point (0x04 | X | Y). */
  public static ECPublicKey decodePoint(byte[] point) throws GeneralSecurityException {
    if (point.length != 65 || point[0] != 4) {
      throw new GeneralSecurityException("not an uncompressed P-256 point");
    }
    ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
  }

  /** The uncompressed point (65 bytes) of a P-256 public key. */
  public static byte[] encodePoint(ECPublicKey key) {
    byte[] out = new byte[65];
    out[0] = 4;
    copyUnsigned(key.getW().getAffineX(), out, 1);
    copyUnsigned(key.getW().getAffineY(), out, 33);
    return out;
  }

  private static void copyUnsigned(BigInteger value, byte[] out, int at) {
    byte[] bytes = value.toByteArray();
    int skip = bytes.length > 32 ? bytes.length - 32 : 0;
    int len = bytes.length - skip;
    System.arraycopy(bytes, skip, out, at + 32 - len, len);
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** base64url, padded or not (browsers give it unpadded; some libraries pad, some use the standard alphabet). */
  static byte[] unb64(String text) {
    return Base64.getUrlDecoder().decode(text.trim().replace('+', '-').replace('/', '_').replace("=", ""));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("P-256 is part of every JRE", e);
    }
  }
}
