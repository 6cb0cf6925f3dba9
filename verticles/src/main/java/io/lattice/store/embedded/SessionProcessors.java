package io.lattice.store.embedded;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

/**
 * The value of the session map and the entry processors that change it. Entry processors run on the partition
 * owning the user, one at a time per key, so two nodes registering the same user at once both land. Every
 * processor carries the caller's clock reading, so the primary and its backup compute the same result.
 */
final class SessionProcessors {

  private SessionProcessors() {
  }

  /**
   * For one user: node id to the epoch millis after which that node's entry is ignored. Stored in the map as its
   * {@link #encode() text} ({@code "<expiresAt> <nodeId>"} lines), not as a Java-serialized object: a delivery reads
   * the entry of every recipient, and Java serialization made those reads a sixth of a node's CPU in a 500-member
   * group, at ~375 bytes per entry (docs/performance.md).
   */
  record SessionNodes(Map<String, Long> expiries) {

    SessionNodes {
      expiries = Map.copyOf(expiries);
    }

    /** One line per node; node ids never hold a line break (they come from the node's configuration). */
    String encode() {
      StringBuilder text = new StringBuilder(expiries.size() * 40);
      expiries.forEach((node, expiresAt) -> {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(expiresAt).append(' ').append(node);
      });
      return text.toString();
    }

    /** The value of {@link #encode()}; null for null (no entry). */
    static SessionNodes decode(String text) {
      if (text == null) {
        return null;
      }
      HashMap<String, Long> expiries = new HashMap<>();
      int start = 0;
      while (start < text.length()) {
        int end = text.indexOf('\n', start);
        end = end < 0 ? text.length() : end;
        int space = text.indexOf(' ', start);
        expiries.put(text.substring(space + 1, end), Long.parseLong(text, start, space, 10));
        start = end + 1;
      }
      return new SessionNodes(expiries);
    }

    HashSet<String> liveNodes(long now) {
      HashSet<String> live = new HashSet<>();
      expiries.forEach((node, expiresAt) -> {
        if (expiresAt > now) {
          live.add(node);
        }
      });
      return live;
    }

    /** The live entries, as a mutable copy to edit. */
    HashMap<String, Long> liveCopy(long now) {
      HashMap<String, Long> copy = new HashMap<>();
      expiries.forEach((node, expiresAt) -> {
        if (expiresAt > now) {
          copy.put(node, expiresAt);
        }
      });
      return copy;
    }
  }

  /** Writes the edited entries back: deletes the key when none is left. */
  private static void save(Map.Entry<String, String> entry, HashMap<String, Long> expiries, long now) {
    if (expiries.isEmpty()) {
      HazelcastSupport.store(entry, null, now, now);
    } else {
      long latest = expiries.values().stream().mapToLong(Long::longValue).max().orElse(now);
      HazelcastSupport.store(entry, new SessionNodes(expiries).encode(), latest, now);
    }
  }

  /** Registers or refreshes one node's entry. */
  record Put(String nodeId, long expiresAt, long now)
      implements EntryProcessor<String, String, Void>, Serializable {
    @Override
    public Void process(Map.Entry<String, String> entry) {
      SessionNodes current = SessionNodes.decode(entry.getValue());
      HashMap<String, Long> expiries = current == null ? new HashMap<>() : current.liveCopy(now);
      expiries.put(nodeId, expiresAt);
      save(entry, expiries, now);
      return null;
    }
  }

  /** Forgets one node's entry (disconnect, or the node is gone). */
  record Remove(String nodeId, long now) implements EntryProcessor<String, String, Void>, Serializable {
    @Override
    public Void process(Map.Entry<String, String> entry) {
      SessionNodes current = SessionNodes.decode(entry.getValue());
      if (current == null || !current.expiries().containsKey(nodeId)) {
        return null;
      }
      HashMap<String, Long> expiries = current.liveCopy(now);
      expiries.remove(nodeId);
      save(entry, expiries, now);
      return null;
    }
  }

  /** The live nodes of a user; read-only, so Hazelcast sends no backup operation. */
  record Read(long now) implements EntryProcessor<String, String, HashSet<String>>, ReadOnly, Serializable {
    @Override
    public HashSet<String> process(Map.Entry<String, String> entry) {
      SessionNodes current = SessionNodes.decode(entry.getValue());
      return current == null ? new HashSet<>() : current.liveNodes(now);
    }

    @Override
    public EntryProcessor<String, String, HashSet<String>> getBackupProcessor() {
      return null;
    }
  }
}
