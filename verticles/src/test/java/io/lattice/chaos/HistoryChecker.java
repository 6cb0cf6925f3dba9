package io.lattice.chaos;

import io.lattice.client.ConnectionState;
import io.lattice.model.Ids;
import io.lattice.model.Message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The verdict on a run's {@link History} plus every client's final timelines: what was promised, checked message by
 * message, and the recovery times.
 * <ul>
 *   <li>every acknowledged message is in the final timeline of every participant (the sender included), and was
 *       handed to each application exactly once; nothing arrives that no one sent;</li>
 *   <li>each sender's messages keep their send order (the load sends one at a time per sender);</li>
 *   <li>the participants of a conversation end with the same timeline, in the same (canonical) order;</li>
 *   <li>at each sender, every recipient's receipt of every acknowledged message ended delivered (the load marks
 *       messages delivered when it receives them);</li>
 *   <li>reconnect time (loss of a ready connection -> the next ready) and recovery time (the next ready -> a message
 *       acknowledged during the outage handed to the application), p50/p99/max.</li>
 * </ul>
 */
public final class HistoryChecker {

  private HistoryChecker() {
  }

  /** @param timelines user -> conversationId -> that client's final timeline (canonical order) */
  public static Report check(History history, Map<String, Map<String, List<Message>>> timelines) {
    List<String> violations = new ArrayList<>();
    Map<String, History.Acked> ackedById = new LinkedHashMap<>();
    history.acks().forEach(a -> ackedById.putIfAbsent(a.messageId(), a));
    Set<String> sentIds = history.sends().stream().map(s -> Ids.messageId(s.user(), s.clientMsgId()))
        .collect(Collectors.toSet());

    // Lost and agreement, per conversation.
    Map<String, List<String>> participants = history.participants();
    Map<String, List<History.Acked>> ackedIn = ackedById.values().stream()
        .collect(Collectors.groupingBy(History.Acked::conversationId));
    for (Map.Entry<String, List<String>> c : participants.entrySet()) {
      String conversationId = c.getKey();
      List<String> reference = null;
      String referenceUser = null;
      for (String user : c.getValue()) {
        List<Message> timeline = timelines.getOrDefault(user, Map.of()).getOrDefault(conversationId, List.of());
        Set<String> ids = timeline.stream().map(Message::messageId).collect(Collectors.toSet());
        for (History.Acked ack : ackedIn.getOrDefault(conversationId, List.of())) {
          if (!ids.contains(ack.messageId())) {
            violations.add("lost: " + ack.messageId() + " (from " + ack.user() + ", acked at " + ack.at()
                + " ms) never reached " + user + " in " + conversationId + connections(history, user)
                + connections(history, ack.user()));
          }
        }
        List<String> order = timeline.stream().map(Message::messageId).toList();
        if (reference == null) {
          reference = order;
          referenceUser = user;
        } else if (!reference.equals(order)) {
          violations.add("disagreement in " + conversationId + ": " + referenceUser + " has " + reference.size()
              + " messages, " + user + " has " + order.size() + (new HashSet<>(reference).equals(new HashSet<>(order))
              ? " (same messages, another order)" : ""));
        }
      }
    }

    // Exactly once to the application, nothing unsent.
    Map<String, Integer> deliveries = new HashMap<>();
    for (History.Received r : history.received()) {
      deliveries.merge(r.user() + "|" + r.message().messageId(), 1, Integer::sum);
      if (!sentIds.contains(r.message().messageId())) {
        violations.add("phantom: " + r.user() + " got " + r.message().messageId() + " that no client sent");
      }
    }
    deliveries.forEach((key, count) -> {
      if (count > 1) {
        violations.add("duplicate: " + key.replace('|', ' ') + " handed over " + count + " times");
      }
    });

    // Per-sender order, read off any participant's final timeline (they agree, or that was reported above).
    Map<String, List<History.Acked>> bySenderAndConversation = new LinkedHashMap<>();
    history.acks().stream().sorted(Comparator.comparingLong(History.Acked::sentAt))
        .forEach(a -> bySenderAndConversation.computeIfAbsent(a.user() + "|" + a.conversationId(),
            k -> new ArrayList<>()).add(a));
    bySenderAndConversation.forEach((key, acks) -> {
      String sender = key.substring(0, key.indexOf('|'));
      String conversationId = key.substring(key.indexOf('|') + 1);
      List<Message> timeline = timelines.getOrDefault(sender, Map.of()).getOrDefault(conversationId, List.of());
      Map<String, Integer> position = new HashMap<>();
      for (int i = 0; i < timeline.size(); i++) {
        position.put(timeline.get(i).messageId(), i);
      }
      int last = -1;
      for (History.Acked ack : acks) {
        Integer at = position.get(ack.messageId());
        if (at != null && at < last) {
          violations.add("order: " + sender + "'s " + ack.messageId() + " (sent at " + ack.sentAt()
              + " ms) is placed before an earlier send in " + conversationId);
        }
        last = at == null ? last : Math.max(last, at);
      }
    });

    // Receipts converged at the sender.
    Map<String, History.ReceiptSeen> latest = new HashMap<>();
    history.receipts().forEach(r -> latest.merge(r.messageId() + "|" + r.recipient(), r,
        (a, b) -> b.deliveredAt() >= a.deliveredAt() ? b : a));
    int receiptsMissing = 0;
    for (History.Acked ack : ackedById.values()) {
      for (String recipient : participants.getOrDefault(ack.conversationId(), List.of())) {
        if (recipient.equals(ack.user())) {
          continue;
        }
        History.ReceiptSeen seen = latest.get(ack.messageId() + "|" + recipient);
        if (seen == null || seen.deliveredAt() == 0) {
          receiptsMissing++;
          if (receiptsMissing <= 20) {
            violations.add("receipt: " + ack.user() + " never saw " + recipient + "'s delivered for "
                + ack.messageId());
          }
        }
      }
    }
    if (receiptsMissing > 20) {
      violations.add("receipt: ... " + (receiptsMissing - 20) + " more");
    }

    List<Long> ackMs = history.acks().stream().map(a -> a.at() - a.sentAt()).toList();
    return new Report(violations, history.sends().size(), ackedById.size(), history.received().size(),
        reconnectTimes(history), recoveryTimes(history, ackedById.values()), ackMs);
  }

  /** For each user: (loss of a ready connection, the next ready) pairs. */
  private static Map<String, List<long[]>> outages(History history) {
    Map<String, List<long[]>> outages = new HashMap<>();
    Map<String, Long> lostAt = new HashMap<>();
    Map<String, ConnectionState> previous = new HashMap<>();
    for (History.StateChanged s : history.states()) {
      ConnectionState before = previous.put(s.user(), s.change().state());
      if (before == ConnectionState.CONNECTED && s.change().state() != ConnectionState.CONNECTED) {
        lostAt.put(s.user(), s.at());
      } else if (s.change().state() == ConnectionState.CONNECTED && lostAt.containsKey(s.user())) {
        outages.computeIfAbsent(s.user(), u -> new ArrayList<>()).add(new long[] {lostAt.remove(s.user()), s.at()});
      }
    }
    return outages;
  }

  private static List<Long> reconnectTimes(History history) {
    List<Long> times = new ArrayList<>();
    outages(history).values().forEach(list -> list.forEach(o -> times.add(o[1] - o[0])));
    return times;
  }

  private static List<Long> recoveryTimes(History history, java.util.Collection<History.Acked> acks) {
    Map<String, List<long[]>> outages = outages(history);
    Map<String, Long> receivedAt = new HashMap<>();
    history.received().forEach(r -> receivedAt.putIfAbsent(r.user() + "|" + r.message().messageId(), r.at()));
    Map<String, List<String>> participants = history.participants();
    List<Long> times = new ArrayList<>();
    for (History.Acked ack : acks) {
      for (String user : participants.getOrDefault(ack.conversationId(), List.of())) {
        for (long[] outage : outages.getOrDefault(user, List.of())) {
          Long at = receivedAt.get(user + "|" + ack.messageId());
          if (ack.at() >= outage[0] && ack.at() <= outage[1] && at != null && at >= outage[1]) {
            times.add(at - outage[1]);
          }
        }
      }
    }
    return times;
  }

  /** The verdict and the figures; {@link #toString()} is the printed report. */
  public record Report(List<String> violations, int sends, int acked, int received, List<Long> reconnectMs,
                       List<Long> recoveryMs, List<Long> ackMs) {

    public boolean clean() {
      return violations.isEmpty();
    }

    public void assertClean() {
      if (!clean()) {
        throw new AssertionError(this.toString());
      }
    }

    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      out.append(clean() ? "VERDICT: OK" : "VERDICT: " + violations.size() + " VIOLATION(S)").append('\n');
      out.append(String.format("sends %d, acknowledged %d, handed to applications %d%n", sends, acked, received));
      out.append("send -> ack (across retries) ").append(percentiles(ackMs)).append('\n');
      out.append("reconnect (loss -> ready) ").append(percentiles(reconnectMs)).append('\n');
      out.append("recovery (ready -> missed message) ").append(percentiles(recoveryMs)).append('\n');
      violations.stream().limit(50).forEach(v -> out.append("  ").append(v).append('\n'));
      if (violations.size() > 50) {
        out.append("  ... ").append(violations.size() - 50).append(" more\n");
      }
      return out.toString();
    }

    static String percentiles(List<Long> values) {
      if (values.isEmpty()) {
        return "n=0";
      }
      List<Long> sorted = values.stream().sorted().toList();
      return String.format("n=%d p50=%d ms p99=%d ms max=%d ms", sorted.size(), at(sorted, 0.50), at(sorted, 0.99),
          sorted.get(sorted.size() - 1));
    }

    private static long at(List<Long> sorted, double q) {
      return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
  }

  /** Where a user was connected when, for the report of a violation (what a reader asks first). */
  private static String connections(History history, String user) {
    StringBuilder out = new StringBuilder("\n      ").append(user).append(':');
    history.states().stream().filter(s -> s.user().equals(user)).forEach(s -> out.append(' ').append(s.at())
        .append("ms ").append(s.change().state()).append(s.change().region() == null ? "" : "@"
            + s.change().region()));
    return out.toString();
  }
}
