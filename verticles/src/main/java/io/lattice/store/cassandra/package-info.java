/**
 * The Cassandra production adapters of {@link io.lattice.store.MessageStore} and
 * {@link io.lattice.store.ConversationStore}, opened together by
 * {@link io.lattice.store.cassandra.CassandraStores#open(io.vertx.core.Vertx, io.vertx.core.json.JsonObject)} from
 * the {@code "cassandra"} configuration block ({@link io.lattice.store.cassandra.CassandraConfig}).
 *
 * <h2>Keyspace</h2>
 * {@code NetworkTopologyStrategy}, one datacenter per region, replicas per datacenter from
 * {@code cassandra.replication}. Each region's driver has its own datacenter as local datacenter and coordinates
 * only there. Created, with every table, by {@link io.lattice.store.cassandra.CassandraSchema}: versioned migrations
 * (ordered, idempotent CQL), each recorded in {@code schema_version} after every node agrees on the schema. The
 * replication of an existing keyspace is not changed at start: that is an operator's {@code ALTER KEYSPACE} plus
 * {@code nodetool repair}.
 *
 * <h2>Consistency</h2>
 * Writes at {@code writeConsistency} (LOCAL_QUORUM), reads served to clients (get, sync, history, conversations)
 * at {@code readConsistency} (LOCAL_ONE), reads a write depends on (is this id stored, the conversation's clock,
 * maxLamport) at the write level, lightweight transactions at {@code serialConsistency} (LOCAL_SERIAL). Plain
 * writes are marked idempotent (the driver may retry them: every write is an upsert of the same values, or a
 * maximum register); lightweight transactions are not, and the stores resolve their retries themselves.
 *
 * <h2>Tables</h2>
 * Who touches what: {@link io.lattice.store.cassandra.MessageRows} writes a message to {@code messages},
 * {@code message_buckets}, {@code messages_by_source}, {@code messages_by_id}, {@code conversation_regions},
 * {@code conversation_clocks} and {@code lamport_max} in one logged batch, and reads {@code messages_by_id};
 * {@link io.lattice.store.cassandra.SeqClaims} owns {@code seq_counters} (and reads {@code conversation_clocks});
 * {@link io.lattice.store.cassandra.MessageReads} reads {@code conversation_regions} and {@code messages_by_source}
 * (sync), {@code message_buckets} and {@code messages} (history); {@code CassandraMessageStore} itself reads
 * {@code lamport_max}; {@link io.lattice.store.cassandra.CassandraConversationStore} owns the two conversation
 * tables and {@link io.lattice.store.cassandra.CassandraSchema} {@code schema_version}.
 * <ul>
 *   <li>{@code schema_version(version int PK, description text, applied_at timestamp)}.</li>
 *   <li>{@code messages((conversation_id, bucket), lamport, source_region, message_id)} CLUSTERING ORDER BY
 *       (lamport DESC, source_region DESC, message_id DESC); columns sender_id, content, media_url, created_at
 *       (epoch ms), seq. History: canonical order reversed, a page is one slice
 *       {@code (lamport, source_region, message_id) < (?, ?, ?)}. {@code bucket = lamport / 65536}
 *       ({@code CassandraMessageStore.LAMPORT_BUCKET}): a partition holds at most 65,536 Lamport values of one
 *       conversation (times the few source regions that may tie), so a very long conversation is spread over
 *       partitions of bounded size instead of one that grows forever.</li>
 *   <li>{@code message_buckets(conversation_id, bucket)} CLUSTERING ORDER BY (bucket DESC): the buckets a
 *       conversation has messages in. Lamport timestamps come from node clocks shared by every conversation, so a
 *       quiet conversation's messages can be far apart; history reads this list rather than probing empty
 *       buckets.</li>
 *   <li>{@code messages_by_source((conversation_id, source_region, seq_bucket), seq)}, the message's columns,
 *       {@code seq_bucket = seq / 4096}: what sync reads, the run of seq after the cursor per source region
 *       (stopping at a gap), continued into the next partition at a bucket boundary.</li>
 *       A message stored by two regions (a send retried elsewhere after its region died) has a row at each of its
 *       two slots here, each with its own lamport, so neither source region's run has a hole; the other tables
 *       hold the winner (the version first in canonical order).</li>
 *   <li>{@code messages_by_id(message_id PK, ...)}: get, getAll, and the idempotence check of append and upsert.</li>
 *   <li>{@code unpublished_messages((source_region, bucket, shard), message_id)}, created_at, bucket = created_at /
 *       10 s, shard = hash(id) mod 4, TTL 7 days, gc_grace 1 h: this region's messages appended but not yet
 *       confirmed in its replication log (written in append's batch, deleted once published). Small partitions,
 *       so the tombstones of deleted rows stay few per read; the sweep remembers buckets it found empty once
 *       settled and reads only recent ones.</li>
 *   <li>{@code conversation_regions(conversation_id, source_region)}: the source regions sync looks at.</li>
 *   <li>{@code seq_counters((conversation_id, source_region)), last_seq, last_lamport, last_message_id,
 *       last_sender_id, last_content, last_media_url, last_created_at}: the per-(conversation, source region)
 *       sequence counter, changed only by lightweight transactions ({@code INSERT IF NOT EXISTS},
 *       {@code UPDATE ... IF last_seq = ?}), carrying the message that claimed last_seq (see
 *       {@link io.lattice.store.cassandra.SeqClaims}). Only written for the region's own messages.</li>
 *   <li>{@code conversation_clocks(conversation_id PK, last_lamport)}: the highest Lamport of the conversation, a
 *       maximum register written {@code USING TIMESTAMP <lamport>}.</li>
 *   <li>{@code lamport_max(shard int PK, lamport)}: 16 maximum registers (shard = hash of the conversation id),
 *       whose maximum is {@code maxLamport()}.</li>
 *   <li>{@code conversations(conversation_id PK, type text, title text, region_hint text (the home region),
 *       created_at bigint, participants set<text>)}: written only by lightweight transactions.</li>
 *   <li>{@code conversations_by_user(user_id, created_at, conversation_id)} CLUSTERING ORDER BY
 *       (created_at DESC, conversation_id DESC): a user's conversations, most recently created first; an index,
 *       checked against {@code participants} on read.</li>
 * </ul>
 */
package io.lattice.store.cassandra;
