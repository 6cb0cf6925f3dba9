/**
 * The embedded storage adapters: what a region needs with no external service, a SQLite file shared by the
 * region's nodes, the Hazelcast cluster Vert.x already runs, and a local media directory.
 *
 * <h2>What is durable, and why</h2>
 * <ul>
 *   <li><b>Durable (SQLite):</b> messages, conversations and their members, receipts. A message is acknowledged to
 *       its sender only after its transaction commits; losing it afterwards would break the "acked means stored"
 *       promise. Receipts are durable on purpose: users notice when read marks vanish after a restart.</li>
 *   <li><b>In memory (Hazelcast):</b> the session directory and presence. Both describe live connections, which
 *       a restart of the whole cluster drops anyway; clients reconnect and re-register, other regions' presence
 *       slots return with the next replication round. Losing them costs a wasted delivery attempt or a briefly
 *       wrong "online" dot, never a message.</li>
 *   <li><b>Files:</b> media, one file per key in the media directory.</li>
 * </ul>
 *
 * <h2>SQLite file ({@link io.lattice.store.embedded.SqliteDatabase})</h2>
 * One file per region, opened by every node of the region (separate processes on one host): journal_mode=WAL,
 * synchronous=NORMAL, busy_timeout=5000 ms; read-modify-write in {@code BEGIN IMMEDIATE}. Schema created by
 * {@link io.lattice.store.embedded.SqliteSchema} with versioned migrations.
 * <ul>
 *   <li>{@code schema_version(version INTEGER PK, applied_at INTEGER)}: one row per applied migration.</li>
 *   <li>{@code messages(message_id TEXT PK, conversation_id TEXT, sender_id TEXT, content TEXT, media_url TEXT,
 *       created_at INTEGER epoch ms, lamport INTEGER, source_region TEXT, seq INTEGER)}.
 *       Indexes: {@code messages_by_source} UNIQUE (conversation_id, source_region, seq), for sync, and a guard
 *       against two messages with one sequence number; {@code messages_canonical} (conversation_id, lamport,
 *       source_region, message_id), for history in canonical order.</li>
 *   <li>{@code conversation_seqs(conversation_id, source_region, last_seq)} PK (conversation_id, source_region):
 *       the last sequence number per source region; append reads and raises it in the insert's transaction.
 *       Also the list of source regions sync has to look at.</li>
 *   <li>{@code conversation_clocks(conversation_id PK, last_lamport)}: the conversation's highest Lamport
 *       timestamp, so append can go past it without scanning; its maximum is {@code maxLamport()}.</li>
 *   <li>{@code message_aliases(conversation_id, source_region, seq, message_id, lamport)} PK (conversation_id,
 *       source_region, seq): the second slot of a message stored by two regions (a send retried elsewhere after its
 *       region died); sync reads it with {@code messages} so the source region's run has no hole. The
 *       {@code messages} row holds the version first in canonical order (the winner).</li>
 *   <li>{@code unpublished(message_id PK, created_at)}, index {@code unpublished_by_time}: this region's messages
 *       appended but not yet confirmed in its replication log; written in append's transaction, deleted in batches
 *       once published, swept by {@code Republisher}.</li>
 *   <li>{@code conversations(conversation_id TEXT PK, type TEXT 'direct'|'group', title TEXT, home_region TEXT,
 *       created_at INTEGER epoch ms)}.</li>
 *   <li>{@code conversation_members(conversation_id, user_id)} PK (conversation_id, user_id); index
 *       {@code conversation_members_by_user} (user_id, conversation_id) for a user's conversation list.</li>
 *   <li>{@code receipts(message_id, recipient_id, sent_at, delivered_at, read_at, updated_at)} PK (message_id,
 *       recipient_id); the three state fields are Lamport values (0 = not yet) merged by max; updated_at is the
 *       wall-clock millis of the last change, for retention; index {@code receipts_by_update} (updated_at) for
 *       the purge.</li>
 * </ul>
 *
 * <h2>Hazelcast maps</h2>
 * <ul>
 *   <li>{@value io.lattice.store.embedded.HazelcastSessionDirectory#MAP_NAME}: user id to
 *       {@code SessionNodes} (node id to expiry epoch ms), stored as text: one {@code "<expiresAt> <nodeId>"} line
 *       per node (Hazelcast's string serializer, not Java serialization: every delivery reads these).</li>
 *   <li>{@value io.lattice.store.embedded.HazelcastPresenceStore#MAP_NAME}: user id to
 *       {@link io.lattice.store.embedded.PresenceRecord} (this region's node reports {count, expiry} per region
 *       and node, plus every region's slot {count, version, expiry}).</li>
 * </ul>
 * Values change only through entry processors (atomic per key across the cluster); expiries inside the values are
 * computed from the injected clock and checked on read, and every write also sets a map-level TTL (latest expiry
 * plus a grace) so abandoned entries are eventually evicted. Values use Java serialisation: every node must run
 * the same build of these classes.
 *
 * <h2>Media ({@link io.lattice.store.embedded.FileBlobStore})</h2>
 * Files named by key ({@code <uuid>.<ext>}) in the media directory; uploads stream to
 * {@code .upload-<uuid>.part} and are moved into place when complete. The content type served is recovered from
 * the extension.
 */
package io.lattice.store.embedded;
