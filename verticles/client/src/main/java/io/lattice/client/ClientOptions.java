package io.lattice.client;

import java.util.List;

/**
 * How a {@link LatticeClient} connects and recovers. Defaults in {@link #defaults(List)}.
 *
 * @param seeds           HTTP base URLs of any regions to ask for {@code /api/regions} (one reachable is enough)
 * @param preference      region names to prefer, best first (empty: by measured round trip)
 * @param backoffBaseMs   first reconnect window (full jitter: a delay in [0, base * 2^n], capped)
 * @param backoffCapMs    largest reconnect window
 * @param failoverAfter   failed attempts in a row on one region before moving to the next healthy one
 * @param connectTimeoutMs TCP connect + upgrade time limit
 * @param readyTimeoutMs  time from upgrade to the {@code ready} frame
 * @param pingIntervalMs  0: half the server's {@code heartbeatSeconds}; a ping goes out at least this often
 * @param deadAfterMs     0: 2 x the ping interval + 2 s; no frame at all (pongs included) for this long = lost
 * @param stableMs        a connection that stays up this long resets the backoff
 * @param syncPageSize    messages per sync page when resuming
 * @param probeTimeoutMs  time limit of the region list request and of each region's /health probe
 */
public record ClientOptions(List<String> seeds, List<String> preference, long backoffBaseMs, long backoffCapMs,
                            int failoverAfter, long connectTimeoutMs, long readyTimeoutMs, long pingIntervalMs,
                            long deadAfterMs, long stableMs, int syncPageSize, long probeTimeoutMs) {

  public ClientOptions {
    seeds = List.copyOf(seeds);
    preference = List.copyOf(preference);
  }

  public static ClientOptions defaults(List<String> seeds) {
    return new ClientOptions(seeds, List.of(), 250, 10_000, 3, 5_000, 10_000, 0, 0, 5_000, 200, 2_000);
  }

  public ClientOptions withPreference(List<String> regions) {
    return new ClientOptions(seeds, regions, backoffBaseMs, backoffCapMs, failoverAfter, connectTimeoutMs,
        readyTimeoutMs, pingIntervalMs, deadAfterMs, stableMs, syncPageSize, probeTimeoutMs);
  }

  public ClientOptions withBackoff(long baseMs, long capMs) {
    return new ClientOptions(seeds, preference, baseMs, capMs, failoverAfter, connectTimeoutMs, readyTimeoutMs,
        pingIntervalMs, deadAfterMs, stableMs, syncPageSize, probeTimeoutMs);
  }

  public ClientOptions withFailoverAfter(int attempts) {
    return new ClientOptions(seeds, preference, backoffBaseMs, backoffCapMs, attempts, connectTimeoutMs,
        readyTimeoutMs, pingIntervalMs, deadAfterMs, stableMs, syncPageSize, probeTimeoutMs);
  }

  public ClientOptions withHeartbeat(long pingMs, long deadMs) {
    return new ClientOptions(seeds, preference, backoffBaseMs, backoffCapMs, failoverAfter, connectTimeoutMs,
        readyTimeoutMs, pingMs, deadMs, stableMs, syncPageSize, probeTimeoutMs);
  }
}
