/**
 * The Java client library of Lattice. {@link io.lattice.client.LatticeClient} holds one user's connection to a
 * Lattice deployment and keeps it alive across node and region failures; the failover logic lives here, on the
 * client, as in real chat apps (the server only tells clients where to go and when to leave).
 *
 * <p>What a client guarantees to its application (tested against real region processes in the verticles module's
 * end-to-end suite):
 * <ul>
 *   <li>every message of a conversation it follows is handed over exactly once (deduplicated by messageId), and
 *       {@link io.lattice.client.Timeline} keeps each conversation in canonical order (lamport, sourceRegion,
 *       messageId), the same order in every region;</li>
 *   <li>a send completes only with the server's ack; until then it is resent after every reconnect with the same
 *       clientMsgId (the server derives the messageId from it, so a resend, even in another region, is the same
 *       message);</li>
 *   <li>after any reconnect every followed conversation is resumed from its sync cursor (valid in every region).</li>
 * </ul>
 *
 * <p>Threading: every callback of {@link io.lattice.client.ClientListener} runs on the client's Vert.x context, one
 * at a time; the public methods may be called from any thread.
 */
package io.lattice.client;
