package io.lattice.client;

/**
 * What a UI shows about the connection. {@code CONNECTED} carries the region and node; {@code RECONNECTING} the
 * number of the attempt and the time until it; {@code OFFLINE} means the client is not trying (before
 * {@link LatticeClient#connect()} and after {@link LatticeClient#close()}).
 */
public enum ConnectionState {
  CONNECTING, CONNECTED, RECONNECTING, OFFLINE;

  /**
   * One state change.
   *
   * @param region    the region connected to, or being tried; null when none is known yet
   * @param node      the node id of the gateway ({@code CONNECTED} only)
   * @param attempt   consecutive failed attempts so far (0 when connected)
   * @param retryInMs the wait before the next attempt ({@code RECONNECTING} only)
   * @param reason    why the state changed (e.g. "socket closed", "region eu-west failed 3 times"), for logs
   */
  public record Change(ConnectionState state, String region, String node, int attempt, long retryInMs,
                       String reason) {
  }
}
