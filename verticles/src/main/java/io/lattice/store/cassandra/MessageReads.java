package io.lattice.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.store.MessageStore.SyncPage;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static io.lattice.store.cassandra.CassandraMessageStore.LAMPORT_BUCKET;
import static io.lattice.store.cassandra.CassandraMessageStore.SEQ_BUCKET;
import static io.lattice.store.cassandra.MessageRows.MESSAGE_COLUMNS;

/**
 * The reads of a conversation served to clients, at {@code readConsistency}: sync (per source region, the run of
 * seq after the cursor in {@code messages_by_source}, merged by {@link SyncPage#merge}) and history (canonical
 * order reversed, over the Lamport buckets listed in {@code message_buckets}).
 */
final class MessageReads {

  private final CassandraClient client;
  private final CassandraConfig config;
  private PreparedStatement selectRegions;
  private PreparedStatement selectRun;
  private PreparedStatement selectBuckets;
  private PreparedStatement selectBucket;
  private PreparedStatement selectBucketBefore;

  private MessageReads(CassandraClient client, CassandraConfig config) {
    this.client = client;
    this.config = config;
  }

  /** Prepares the statements; the schema must exist. */
  static Future<MessageReads> create(CassandraClient client, CassandraConfig config) {
    MessageReads reads = new MessageReads(client, config);
    return reads.prepareAll().map(reads);
  }

  private Future<Void> prepareAll() {
    String ks = config.keyspace() + ".";
    return Future.all(List.of(
        client.prepare("SELECT source_region FROM " + ks + "conversation_regions WHERE conversation_id = ?")
            .onSuccess(p -> selectRegions = p),
        client.prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages_by_source WHERE conversation_id = ? "
            + "AND source_region = ? AND seq_bucket = ? AND seq > ? ORDER BY seq LIMIT ?")
            .onSuccess(p -> selectRun = p),
        client.prepare("SELECT bucket FROM " + ks + "message_buckets WHERE conversation_id = ? AND bucket <= ? "
            + "LIMIT ?").onSuccess(p -> selectBuckets = p),
        client.prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages WHERE conversation_id = ? "
            + "AND bucket = ? LIMIT ?").onSuccess(p -> selectBucket = p),
        client.prepare("SELECT " + MESSAGE_COLUMNS + " FROM " + ks + "messages WHERE conversation_id = ? "
            + "AND bucket = ? AND (lamport, source_region, message_id) < (?, ?, ?) LIMIT ?")
            .onSuccess(p -> selectBucketBefore = p)
    )).mapEmpty();
  }

  Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit) {
    return client.executeWithFullFetch(selectRegions.bind(conversationId)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          List<Future<Deque<Message>>> runs = new ArrayList<>();
          for (Row row : rows) {
            String region = row.getString("source_region");
            runs.add(contiguousRun(conversationId, region, cursor.positionOf(region), limit + 1,
                new ArrayDeque<>()));
          }
          return Future.all(runs).map(all -> SyncPage.merge(runs.stream().map(Future::result).toList(), cursor, limit));
        });
  }

  /** The messages of one source region with seq after+1, after+2, ... up to the first gap, at most max. */
  private Future<Deque<Message>> contiguousRun(String conversationId, String region, long after, int max,
                                              Deque<Message> run) {
    long bucket = (after + 1) / SEQ_BUCKET;
    int wanted = max - run.size();
    return client.executeWithFullFetch(selectRun.bind(conversationId, region, bucket, after, wanted)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          long expected = after + 1;
          for (Row row : rows) {
            Message m = MessageRows.message(row);
            if (m.seq() != expected) {
              return Future.succeededFuture(run); // a gap: stop before it
            }
            run.addLast(m);
            expected++;
          }
          boolean bucketExhausted = expected == (bucket + 1) * SEQ_BUCKET;
          if (run.size() < max && bucketExhausted) {
            return contiguousRun(conversationId, region, expected - 1, max, run);
          }
          return Future.succeededFuture(run);
        });
  }

  /**
   * Walks the conversation's Lamport buckets newest first (their list is in {@code message_buckets}, so empty
   * Lamport ranges cost nothing), reading each partition in its clustering order, which is canonical order reversed.
   */
  Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit) {
    long fromBucket = before == null ? Long.MAX_VALUE : before.lamport() / LAMPORT_BUCKET;
    return historyFrom(conversationId, before, fromBucket, limit, new ArrayList<>());
  }

  private Future<List<Message>> historyFrom(String conversationId, CanonicalOrder.Position before, long fromBucket,
                                            int limit, List<Message> page) {
    return client.executeWithFullFetch(selectBuckets.bind(conversationId, fromBucket, 16)
            .setConsistencyLevel(config.readConsistency()))
        .compose(rows -> {
          List<Long> buckets = rows.stream().map(r -> r.getLong("bucket")).toList();
          return readBuckets(conversationId, before, buckets, 0, limit, page).compose(full -> {
            if (full.size() >= limit || buckets.size() < 16) {
              return Future.succeededFuture(full);
            }
            return historyFrom(conversationId, before, buckets.get(buckets.size() - 1) - 1, limit, full);
          });
        });
  }

  private Future<List<Message>> readBuckets(String conversationId, CanonicalOrder.Position before,
                                            List<Long> buckets, int index, int limit, List<Message> page) {
    if (index >= buckets.size() || page.size() >= limit) {
      return Future.succeededFuture(page);
    }
    long bucket = buckets.get(index);
    int wanted = limit - page.size();
    BoundStatement read = before != null && bucket == before.lamport() / LAMPORT_BUCKET
        ? selectBucketBefore.bind(conversationId, bucket, before.lamport(), before.sourceRegion(),
            before.messageId(), wanted)
        : selectBucket.bind(conversationId, bucket, wanted);
    return client.executeWithFullFetch(read.setConsistencyLevel(config.readConsistency())).compose(rows -> {
      for (Row row : rows) {
        page.add(MessageRows.message(row));
      }
      return readBuckets(conversationId, before, buckets, index + 1, limit, page);
    });
  }
}
