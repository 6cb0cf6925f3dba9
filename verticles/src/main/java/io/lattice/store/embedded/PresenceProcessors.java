package io.lattice.store.embedded;

import com.hazelcast.map.EntryProcessor;
import io.lattice.store.embedded.PresenceRecord.Slot;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry processors of the presence map. Each runs on the partition owning the user, alone for that key, so
 * reports of two nodes for the same user never overwrite each other. They carry the caller's clock reading, so a
 * backup replays exactly what the primary did. They return the user's slots after the change, or null when the
 * processor changed nothing and the caller asked only for changes.
 */
final class PresenceProcessors {

  private PresenceProcessors() {
  }

  /** Runs {@code change} on the record and stores it; returns the slots (null if unchanged and onlyChanges). */
  private static HashMap<String, Slot> apply(Map.Entry<String, PresenceRecord> entry, long now, boolean onlyChanges,
                                             Change change) {
    PresenceRecord record = entry.getValue();
    boolean existed = record != null;
    if (record == null) {
      record = new PresenceRecord();
    }
    boolean changed = change.apply(record);
    if (changed) {
      HazelcastSupport.store(entry, record.isEmpty() ? null : record, record.latestExpiry(), now);
    } else if (existed && record.isEmpty()) {
      HazelcastSupport.store(entry, null, now, now);
    }
    return onlyChanges && !changed ? null : record.slotsSnapshot();
  }

  @FunctionalInterface
  private interface Change {
    boolean apply(PresenceRecord record);
  }

  record Report(String region, String nodeId, long count, long expiresAt, long now)
      implements EntryProcessor<String, PresenceRecord, HashMap<String, Slot>>, Serializable {
    @Override
    public HashMap<String, Slot> process(Map.Entry<String, PresenceRecord> entry) {
      return apply(entry, now, false, r -> r.expire(now) | r.report(region, nodeId, count, expiresAt, now));
    }
  }

  record Refresh(String region, String nodeId, long expiresAt, long now)
      implements EntryProcessor<String, PresenceRecord, HashMap<String, Slot>>, Serializable {
    @Override
    public HashMap<String, Slot> process(Map.Entry<String, PresenceRecord> entry) {
      if (entry.getValue() == null) {
        return null; // nothing reported, nothing to refresh: do not create an entry
      }
      // Refresh first: a report that expired during a late heartbeat is revived, the node still holds the user.
      return apply(entry, now, true, r -> r.refresh(region, nodeId, expiresAt, now) | r.expire(now));
    }
  }

  record RemoveNode(String region, String nodeId, long now)
      implements EntryProcessor<String, PresenceRecord, HashMap<String, Slot>>, Serializable {
    @Override
    public HashMap<String, Slot> process(Map.Entry<String, PresenceRecord> entry) {
      if (entry.getValue() == null) {
        return null;
      }
      return apply(entry, now, true, r -> r.expire(now) | r.removeNode(region, nodeId, now));
    }
  }

  record MergeRemote(HashMap<String, Slot> slots, long now)
      implements EntryProcessor<String, PresenceRecord, HashMap<String, Slot>>, Serializable {
    @Override
    public HashMap<String, Slot> process(Map.Entry<String, PresenceRecord> entry) {
      return apply(entry, now, false, r -> r.expire(now) | r.mergeRemote(slots));
    }
  }

  /** A read that also applies expiries of node reports, so the slot it returns counts only live nodes. */
  record Get(long now) implements EntryProcessor<String, PresenceRecord, HashMap<String, Slot>>, Serializable {
    @Override
    public HashMap<String, Slot> process(Map.Entry<String, PresenceRecord> entry) {
      if (entry.getValue() == null) {
        return new HashMap<>();
      }
      return apply(entry, now, false, r -> r.expire(now));
    }
  }
}
