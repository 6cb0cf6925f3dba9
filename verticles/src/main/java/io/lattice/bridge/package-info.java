/**
 * The bridge between regions over Kafka: {@link io.lattice.bridge.ReplicationVerticle} publishes (durable records to
 * the region's own cluster, live traffic into other regions' clusters), {@link io.lattice.bridge.BridgeVerticle}
 * consumes (other regions' clusters, and the live topic of its own). Both run on every node of a region.
 *
 * <h2>Topology</h2>
 * Each region has its own Kafka cluster. A region publishes to its own cluster only what it originated
 * ({@link io.lattice.bridge.RegionPublisher}, idempotent producer, {@code acks=all}). Every other region runs a
 * {@link io.lattice.bridge.BridgeVerticle} that pulls from each remote region's cluster (one consumer per remote,
 * group {@code lattice-bridge-<localRegion>}, manual commits), applies the records to its own stores idempotently,
 * and commits offsets only after applying. Nothing received is ever republished, so data never loops; a bridge also
 * ignores any record whose source region is its own.
 *
 * <h2>Records</h2>
 * Keys and values are UTF-8 strings; values are JSON objects. Every record carries the headers
 * {@code lattice-source-region} (the originating region) and {@code lattice-format} ({@code 1}). Create the topics
 * on every region's cluster with {@link io.lattice.bridge.ReplicationRecords#topicSpecs} plus
 * {@code chat.cross_region_sync} (done by {@code MeshNode} at start).
 * <table>
 *   <caption>Replicated record kinds</caption>
 *   <tr><th>topic</th><th>key</th><th>value</th><th>published by</th><th>applied with</th></tr>
 *   <tr><td>{@code chat.conversation_snapshot} ({@code Topics.CONVERSATION_SNAPSHOT})</td><td>conversationId</td>
 *     <td>{@code Conversation.toJson()} + {@code "version"} (grows with every member change in the source region)
 *     + {@code "sourceRegion"}: {@code {"conversationId","type","participants":[...],"title","homeRegion",
 *     "createdAt","version","sourceRegion"}}</td>
 *     <td>the region where the conversation was created or its members changed</td>
 *     <td>{@code ConversationStore.create} (idempotent), then {@code updateMembers} with the difference to the
 *     snapshot's participants; a snapshot older than one already applied by this bridge instance is ignored</td></tr>
 *   <tr><td>{@code chat.message_sent} ({@code Topics.MESSAGE_SENT})</td><td>conversationId</td>
 *     <td>{@code Message.toJson()}: {@code {"messageId","conversationId","senderId","content","mediaUrl",
 *     "createdAt","lamport","sourceRegion","seq"}} with the seq and Lamport the source region stored</td>
 *     <td>the source region, after the message is durable there</td>
 *     <td>{@code MessageStore.upsert} (idempotent by id, seq and Lamport kept); a new message is then published
 *     locally on {@code Addresses.REPLICATED_MESSAGE} with its JSON. A message whose conversation is not known yet
 *     is stored anyway (its snapshot comes on its own topic).</td></tr>
 *   <tr><td>{@code chat.delivery_receipt} ({@code Topics.DELIVERY_RECEIPT})</td><td>messageId of the first
 *     receipt</td>
 *     <td>{@code {"batchId","sourceRegion","receipts":[{"messageId","recipientId","sentAt","deliveredAt",
 *     "readAt","conversationId","senderId"}]}}</td>
 *     <td>the region where the receipts were merged</td>
 *     <td>{@code ReceiptStore.merge} (max per field: idempotent, order-independent)</td></tr>
 *   <tr><td>{@code chat.cross_region_sync} ({@code Topics.CROSS_REGION_SYNC}), in the <em>destination</em>
 *     region's cluster</td><td>conversationId (frames: first userId)</td>
 *     <td>{@code {"destinationRegion","sourceRegion","userIds":[..],"conversation":{..}|null,"messages":[Message..],
 *     "frames":[..],"seq","lamport"}} ({@code seq}/{@code lamport}: of the last message)</td>
 *     <td>the source region's router, one record per destination region with live users, pushed through
 *     {@link io.lattice.bridge.LiveForwarder} (best effort)</td>
 *     <td>records for another destination are skipped; the conversation is created if missing; messages are
 *     upserted in order (a new one is delivered locally via {@code REPLICATED_MESSAGE}); frames go to the local
 *     router with {@code localOnly}</td></tr>
 *   <tr><td>{@code chat.presence_state} ({@code Topics.PRESENCE_STATE})</td><td>userId</td>
 *     <td>{@code {"userId","sourceRegion","state":{"<sourceRegion>":{"count","version","expiresAt"}}}}: the
 *     publishing region's own slot only</td>
 *     <td>the region whose connection count of the user changed</td>
 *     <td>{@code PresenceStore.mergeRemote} with that one slot (higher version wins)</td></tr>
 * </table>
 *
 * <h2>Bridge guarantees</h2>
 * Per remote region: records are applied one at a time in partition order, conversation snapshots of a batch before
 * its messages; offsets are committed (next offset per partition) only once every record of the batch is applied;
 * on a failure nothing is committed, the consumer seeks back to the batch's first offsets and retries with an
 * exponential backoff. At-least-once delivery plus idempotent applies make every record take effect once. A
 * malformed record is logged and skipped rather than retried forever.
 */
package io.lattice.bridge;
