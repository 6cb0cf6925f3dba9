package io.lattice.e2e.support;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Small assertions over message JSON shared by the e2e tests. */
public final class Checks {
  private Checks() {
  }

  /** The protocol's canonical order: (lamport, sourceRegion, messageId). */
  public static final Comparator<JsonObject> CANONICAL = Comparator
      .comparingLong((JsonObject m) -> m.getLong("lamport"))
      .thenComparing(m -> m.getString("sourceRegion"))
      .thenComparing(m -> m.getString("messageId"));

  public static List<String> ids(List<JsonObject> messages) {
    return messages.stream().map(m -> m.getString("messageId")).toList();
  }

  /** The message objects inside {@code message} frames. */
  public static List<JsonObject> unwrap(List<JsonObject> messageFrames) {
    return messageFrames.stream().map(f -> f.getJsonObject("message")).toList();
  }

  /** Fails unless every message is strictly after the previous one in canonical order. */
  public static void assertStrictlyCanonical(String what, List<JsonObject> messages) {
    for (int i = 1; i < messages.size(); i++) {
      if (CANONICAL.compare(messages.get(i - 1), messages.get(i)) >= 0) {
        throw new AssertionError(what + ": not in strictly increasing canonical order at index " + i + ": "
            + messages.get(i - 1).encode() + " then " + messages.get(i).encode());
      }
    }
  }

  /** Fails unless every message is strictly before the previous one (newest first). */
  public static void assertStrictlyReverseCanonical(String what, List<JsonObject> messages) {
    for (int i = 1; i < messages.size(); i++) {
      if (CANONICAL.compare(messages.get(i - 1), messages.get(i)) <= 0) {
        throw new AssertionError(what + ": not newest first at index " + i + ": "
            + messages.get(i - 1).encode() + " then " + messages.get(i).encode());
      }
    }
  }

  public static <T> Map<T, Integer> counts(List<JsonObject> items, Function<JsonObject, T> key) {
    Map<T, Integer> counts = new LinkedHashMap<>();
    items.forEach(i -> counts.merge(key.apply(i), 1, Integer::sum));
    return counts;
  }

  /** Entries seen more than once. */
  public static <T> Map<T, Integer> duplicates(Map<T, Integer> counts) {
    Map<T, Integer> dups = new LinkedHashMap<>();
    counts.forEach((k, v) -> {
      if (v > 1) {
        dups.put(k, v);
      }
    });
    return dups;
  }

  /**
   * Polls {@code probe} every 200 ms until its value satisfies {@code done}, and returns that value: for state that
   * only another process can show (HTTP reads of a region), where there is no event to wait on. A probe that throws
   * an AssertionError (e.g. a 404 before replication) counts as not done yet. Fails after {@code timeout} with the
   * last value or error seen.
   */
  public static <T> T eventually(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = null;
    while (true) {
      try {
        T value = probe.get();
        if (done.test(value)) {
          return value;
        }
        last = value;
      } catch (AssertionError e) {
        last = e.getMessage();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not reached after " + timeout.toMillis() + " ms; last seen: " + last);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
    }
  }
}
