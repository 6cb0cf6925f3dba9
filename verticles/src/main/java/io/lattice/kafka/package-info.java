/**
 * Kafka for the bridge between regions: an embedded single-node broker for the embedded default, and topic creation.
 *
 * <h2>What the embedded broker is</h2>
 * {@link io.lattice.kafka.EmbeddedKafka} runs a real Kafka broker (Apache Kafka 3.7.1, the same version as the
 * kafka-clients jar vertx-kafka-client uses) inside the region JVM: KRaft mode, one process acting as broker and
 * controller (node 1, sole voter), PLAINTEXT listeners on 127.0.0.1 only. Each region has its own such cluster in the
 * embedded default ({@code ./lattice demo}, tests); the regions' clusters are joined by Lattice's bridge, not by
 * Kafka replication.
 *
 * <h2>Where its data lives</h2>
 * In one directory that the broker owns and locks, meant to be {@code <storage.dir>/kafka} (e.g.
 * {@code data/us-east/kafka}): {@code meta.properties} (cluster id, node id, written by the first start),
 * {@code bootstrap.checkpoint}, the metadata log {@code __cluster_metadata-0/}, one sub-directory per topic
 * partition (records, indexes) including {@code __consumer_offsets-0/} (committed consumer offsets). Restarting on the
 * same directory keeps all of them. Deleting the directory starts a new, empty cluster with a new id.
 *
 * <h2>What it is not</h2>
 * <ul>
 *   <li>Not replicated: one replica per partition, {@code min.insync.replicas=1}; {@code acks=all} means "written
 *       by this one broker". Records are in the OS page cache when acknowledged (Kafka's default, no fsync per
 *       write): they survive a crash of the JVM, not of the machine.</li>
 *   <li>Not secured: no TLS, no SASL, no ACLs; reachable from this host only.</li>
 *   <li>Not shared: one broker per directory, so the nodes of a region that share a storage directory cannot each
 *       run one on it.</li>
 *   <li>Not for production: production points the clients at external Kafka clusters (several brokers,
 *       replication factor 3, security) and does not start this class; {@link io.lattice.kafka.KafkaTopics} works
 *       against either.</li>
 * </ul>
 */
package io.lattice.kafka;
