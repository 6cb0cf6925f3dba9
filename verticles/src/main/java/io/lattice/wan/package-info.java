/**
 * A simulated wide-area network between regions running on one machine: latency-injecting TCP proxies on loopback,
 * one per (consumer region, remote service) link. Region A's bridge connects to A's local proxy port for region B's
 * Kafka; the proxy ({@link io.lattice.wan.WanLink}) forwards to B's broker. {@link io.lattice.wan.WanLinks} builds a
 * region's links from JSON and finds them by name.
 *
 * <h2>What is simulated</h2>
 * <ul>
 *   <li><b>One-way propagation delay, per direction.</b> Every chunk read from either side is written to the other
 *   side a configured delay later, so a request/response round trip gains twice the one-way delay. Byte order is
 *   preserved strictly. The delay can be changed at runtime; it applies to chunks read afterwards (and never makes
 *   a later chunk overtake an earlier one). A chunk is never early; it is late by the event loop's timer resolution
 *   (about 0.5 ms on average with the NIO transport) plus event-loop load, and the link reports that lateness.</li>
 *   <li><b>Partitions, as connection cuts.</b> {@code cut()} closes every open connection through the link and
 *   closes new ones as soon as they are accepted; {@code restore()} heals it. Clients see their connections end
 *   (an orderly close, EOF) and new ones end at once, not silent black-holing.</li>
 *   <li><b>A bounded window.</b> Each direction of each connection holds at most a configured number of bytes in
 *   flight (4 MiB by default) and applies backpressure to the sender beyond it, so throughput per connection is
 *   capped near {@code bound / delay}, as a TCP window caps a long fat pipe.</li>
 * </ul>
 *
 * <h2>What is not</h2>
 * <ul>
 *   <li>Bandwidth limits and queueing delay in routers (no serialization delay per byte; a large write arrives
 *   about as fast as loopback delivers it, only later).</li>
 *   <li>Packet loss, duplication and reordering below TCP, and the retransmission stalls they cause: the proxy sees
 *   a reliable loopback byte stream on both sides.</li>
 *   <li>Jitter, unless configured (the delay is constant until {@code setDelay} changes it).</li>
 *   <li>Asymmetric routes: a link applies the same delay in both directions.</li>
 *   <li>Segmentation effects: chunks are delayed as the OS delivers them to the proxy, so Nagle, slow start,
 *   congestion windows and MTU-sized segmentation of a real WAN are not modelled, and TCP handshakes to the proxy
 *   complete at loopback speed (the connection to the target is opened at once, not after a delayed SYN).</li>
 *   <li>Half-closed connections: when one side closes, the close reaches the other side after the delay (behind
 *   the data sent before it), and then the whole proxied connection is closed; data still queued in the opposite
 *   direction is dropped.</li>
 *   <li>Silent partitions: a real partition often leaves connections open until timeouts fire; here the cut is
 *   immediate and visible.</li>
 * </ul>
 *
 * <h2>Using it in front of Kafka</h2>
 * A Kafka client uses the bootstrap address only to fetch metadata, then connects to the addresses the brokers
 * advertise. For the traffic to stay on the link, the remote broker must advertise the link's address to clients
 * that come through it: give the broker one listener per consuming region (its advertised address being that
 * region's link, on a fixed {@code listenPort}), and point each link's {@code target} at the matching listener.
 * A broker advertising its own address would let clients bypass the link after bootstrap.
 */
package io.lattice.wan;
