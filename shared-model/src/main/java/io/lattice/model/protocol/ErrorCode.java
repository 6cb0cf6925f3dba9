package io.lattice.model.protocol;

/**
 * Stable error codes of the wire protocol and the HTTP API. Clients switch on {@link #wire()}; never rename one.
 * The ordinal is not part of the contract (it only travels inside a region, as an event-bus failure code).
 */
public enum ErrorCode {
  /** The frame is not a JSON object. */
  BAD_JSON("bad_json", 400),
  /** The frame's type is missing or unknown. */
  UNKNOWN_TYPE("unknown_type", 400),
  /** A required field is missing. */
  MISSING_FIELD("missing_field", 400),
  /** A field has the wrong type or an invalid value. */
  BAD_FIELD("bad_field", 400),
  /** Content over the configured limit. */
  TOO_LARGE("too_large", 413),
  /** No or invalid credentials. */
  UNAUTHORIZED("unauthorized", 401),
  /** Authenticated, but not a participant (or not allowed). */
  FORBIDDEN("forbidden", 403),
  /** The conversation, message or resource does not exist. */
  NOT_FOUND("not_found", 404),
  /** Too many sends; retry after {@code retryAfterMs}. */
  RATE_LIMITED("rate_limited", 429),
  /** The node is draining, overloaded or a dependency is down: retry, possibly elsewhere. */
  UNAVAILABLE("unavailable", 503),
  /** A bug or an unexpected failure on our side. Nothing acknowledged is lost. */
  INTERNAL("internal", 500);

  private final String wire;
  private final int httpStatus;

  ErrorCode(String wire, int httpStatus) {
    this.wire = wire;
    this.httpStatus = httpStatus;
  }

  public String wire() {
    return wire;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public static ErrorCode fromOrdinal(int ordinal) {
    ErrorCode[] all = values();
    return ordinal >= 0 && ordinal < all.length ? all[ordinal] : INTERNAL;
  }
}
