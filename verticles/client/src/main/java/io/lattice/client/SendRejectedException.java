package io.lattice.client;

/**
 * A send the server refused for good (e.g. {@code forbidden}, {@code bad_field}, {@code too_large}): resending it
 * would fail the same way, so the client stops trying. Retryable answers ({@code rate_limited}, {@code unavailable},
 * {@code internal}) never surface as this; the client retries them.
 */
public final class SendRejectedException extends RuntimeException {
  private final String code;

  public SendRejectedException(String code, String message) {
    super(code + ": " + message, null, false, false); // expected outcome: no stack trace
    this.code = code;
  }

  public String code() {
    return code;
  }
}
