package io.lattice.model.protocol;

/**
 * An expected failure with a protocol error code. Cheap: no stack trace, since these happen on hot paths
 * (bad frames, rate limits, forbidden sends) and are answered, not investigated.
 */
public final class ProtocolException extends RuntimeException {
  private final ErrorCode code;
  private final long retryAfterMs;

  public ProtocolException(ErrorCode code, String message) {
    this(code, message, 0);
  }

  public ProtocolException(ErrorCode code, String message, long retryAfterMs) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }

  public ErrorCode code() {
    return code;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }
}
