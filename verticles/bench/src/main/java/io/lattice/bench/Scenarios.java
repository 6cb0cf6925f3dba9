package io.lattice.bench;

import io.lattice.model.Message;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** The message scenarios: direct, max, group, receipts. Each returns its results (also printed by BenchMain). */
final class Scenarios {
  private Scenarios() {
  }

  record Pair(Fleet.User a, Fleet.User b, String conversationId, boolean across) {
  }

  /** P pairs placed within a region (both users homed there) or across (neighbouring regions), or alternating. */
  static List<Pair> pairs(Fleet fleet, Traffic traffic, int count, String placement, Fleet.Handler handler,
                          int parallel) {
    List<String> regions = fleet.regionNames();
    List<Fleet.User[]> raw = new ArrayList<>();
    List<Boolean> across = new ArrayList<>();
    List<Fleet.User> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean x = regions.size() > 1 && (placement.equals("across") || (placement.equals("both") && i % 2 == 1));
      String ra = regions.get(i % regions.size());
      String rb = x ? regions.get((i + 1) % regions.size()) : ra;
      Fleet.User a = fleet.user("p" + i + "a", ra, handler);
      Fleet.User b = fleet.user("p" + i + "b", rb, handler);
      traffic.byId.put(a.id, a);
      traffic.byId.put(b.id, b);
      raw.add(new Fleet.User[] {a, b});
      across.add(x);
      all.add(a);
      all.add(b);
    }
    fleet.connectAll(all, parallel);
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Fleet.User[] p = raw.get(i);
      pairs.add(new Pair(p[0], p[1], fleet.conversation(p[0], List.of(p[1]), "bench pair " + i), across.get(i)));
    }
    List<Future<Void>> follows = new ArrayList<>();
    for (Pair p : pairs) {
      follows.add(p.a.client.follow(p.conversationId, null));
      follows.add(p.b.client.follow(p.conversationId, null));
    }
    fleet.await(Future.all(follows));
    return pairs;
  }

  /**
   * The counts of a run. {@code expectedDeliveries}: what every send that was not refused owes (acked or not yet);
   * {@code lost}: of those, not delivered by the end of the drain; {@code drained}: every send answered and every
   * delivery in before the drain limit (false: {@code lost} and {@code unacked} are what was still on its way).
   */
  static JsonObject traffic(Traffic t, boolean drained) {
    t.closing = true;
    long owed = t.owed.get();
    long delivered = t.delivered.get();
    boolean ok = drained && t.failed.get() == 0 && t.duplicates.get() == 0 && delivered >= owed;
    return new JsonObject().put("sent", t.sent.get()).put("acked", t.acked.get()).put("failed", t.failed.get())
        .put("unacked", t.inFlight.get()).put("expectedDeliveries", owed).put("delivered", delivered)
        .put("duplicates", t.duplicates.get()).put("lost", Math.max(0, owed - delivered))
        .put("drained", drained).put("ok", ok);
  }

  // -------------------------------------------------------------------------------------------------- direct

  static JsonObject direct(Fleet fleet, Stats stats, Args args) {
    int pairsCount = args.integer("pairs", 100);
    double rate = args.decimal("rate", 1000);
    double duration = args.decimal("duration", 30);
    String placement = args.string("placement", "both");
    long max = args.integer("max-messages", (int) Math.min(Integer.MAX_VALUE, Math.ceil(rate * duration)));
    int maxInFlight = args.integer("max-inflight", 20_000);
    double drainS = args.decimal("drain", 20);
    Traffic traffic = new Traffic(stats);
    List<Pair> pairs = pairs(fleet, traffic, pairsCount, placement, new Fleet.Handler() {
      @Override
      public void onMessage(Fleet.User user, Message m) {
        long nanos = traffic.delivered(user, m);
        if (nanos >= 0) {
          Fleet.User from = traffic.byId.get(m.senderId());
          stats.record("send->deliver " + (from != null && !from.home.equals(user.home) ? "across" : "within"),
              nanos);
        }
      }
    }, args.integer("connect-parallel", 50));
    double perUser = rate / (2.0 * pairsCount);
    long t0 = System.nanoTime();
    traffic.pace(t -> rate, duration, max, maxInFlight, () -> false, k -> {
      Pair p = pairs.get((int) (k % pairs.size()));
      boolean fromA = (k / pairs.size()) % 2 == 0;
      traffic.send(fromA ? p.a : p.b, p.conversationId, 1, null);
    });
    double sendSeconds = (System.nanoTime() - t0) / 1e9;
    boolean drained = traffic.drain(drainS);
    return traffic(traffic, drained).put("pairs", pairsCount).put("placement", placement).put("targetRate", rate)
        .put("achievedRate", Math.round(traffic.sent.get() / sendSeconds)).put("perUserRate", perUser)
        .put("durationS", duration);
  }

  // ----------------------------------------------------------------------------------------------------- max

  static JsonObject max(Fleet fleet, Stats stats, Args args) {
    int pairsCount = args.integer("pairs", 200);
    double start = args.decimal("start", 500);
    double step = args.decimal("step", 500);
    double stepSeconds = args.decimal("step-seconds", 10);
    double ceiling = args.decimal("ceiling", 20_000);
    double thresholdMs = args.decimal("p99-ms", 50);
    String placement = args.string("placement", "within");
    int maxInFlight = args.integer("max-inflight", 20_000);
    Traffic traffic = new Traffic(stats);
    Recorder stepLatency = new Recorder(Stats.HIGHEST_US, 3);
    List<Pair> pairs = pairs(fleet, traffic, pairsCount, placement, new Fleet.Handler() {
      @Override
      public void onMessage(Fleet.User user, Message m) {
        long nanos = traffic.delivered(user, m);
        if (nanos >= 0) {
          stepLatency.recordValue(Math.min(Stats.HIGHEST_US, nanos / 1000));
        }
      }
    }, args.integer("connect-parallel", 50));
    int steps = (int) Math.floor((ceiling - start) / step) + 1;
    JsonArray results = new JsonArray();
    AtomicBoolean stop = new AtomicBoolean();
    double[] best = {0};
    String[] reason = {"reached the ceiling of " + ceiling + " msg/s"};
    long[] sentAtEnd = new long[steps + 1];
    long[] failedAtEnd = new long[steps + 1];
    int[] stepIndex = {0};
    long t0 = System.nanoTime();
    stepLatency.reset();
    traffic.pace(t -> {
      int s = (int) (t / stepSeconds);
      if (s > stepIndex[0]) { // a step ended: judge it
        judge(traffic, stepLatency, stepIndex[0], start + stepIndex[0] * step, stepSeconds, thresholdMs, sentAtEnd,
            failedAtEnd, results, best, reason, stop);
        stepIndex[0] = s;
      }
      return start + s * step;
    }, steps * stepSeconds, Long.MAX_VALUE, maxInFlight, stop::get, k -> {
      Pair p = pairs.get((int) (k % pairs.size()));
      boolean fromA = (k / pairs.size()) % 2 == 0;
      traffic.send(fromA ? p.a : p.b, p.conversationId, 1, null);
    });
    if (!stop.get() && stepIndex[0] < steps) {
      judge(traffic, stepLatency, stepIndex[0], start + stepIndex[0] * step, stepSeconds, thresholdMs, sentAtEnd,
          failedAtEnd, results, best, reason, stop);
    }
    boolean drained = traffic.drain(args.decimal("drain", 20));
    return traffic(traffic, drained).put("pairs", pairsCount).put("placement", placement)
        .put("thresholdP99Ms", thresholdMs).put("steps", results).put("maxSustainedRate", best[0])
        .put("stoppedBecause", reason[0]).put("ok", traffic.duplicates.get() == 0 && best[0] > 0).put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
  }

  private static void judge(Traffic traffic, Recorder stepLatency, int index, double rate, double stepSeconds,
                            double thresholdMs, long[] sentAtEnd, long[] failedAtEnd, JsonArray results,
                            double[] best, String[] reason, AtomicBoolean stop) {
    Histogram h = stepLatency.getIntervalHistogram();
    long sent = traffic.sent.get();
    sentAtEnd[index] = sent;
    failedAtEnd[index] = traffic.failed.get();
    long sentInStep = sent - (index == 0 ? 0 : sentAtEnd[index - 1]);
    double achieved = sentInStep / stepSeconds;
    double p99 = Stats.ms(h.getValueAtPercentile(99));
    // Loss: what was sent up to the end of the step before this one (a whole step ago) and is not delivered yet.
    long lostOld = index == 0 ? 0 : (sentAtEnd[index - 1] - failedAtEnd[index - 1]) - traffic.delivered.get();
    long failedInStep = failedAtEnd[index] - (index == 0 ? 0 : failedAtEnd[index - 1]);
    JsonObject row = new JsonObject().put("rate", rate).put("achieved", Math.round(achieved))
        .put("deliveries", h.getTotalCount()).put("p50", Stats.ms(h.getValueAtPercentile(50))).put("p99", p99)
        .put("max", Stats.ms(h.getMaxValue())).put("failed", failedInStep).put("undeliveredAfterAStep",
            Math.max(0, lostOld));
    results.add(row);
    System.out.printf("  step %6.0f msg/s: achieved %6.0f, p50 %.2f ms, p99 %.2f ms, max %.2f ms, failed %d%n",
        rate, achieved, Stats.ms(h.getValueAtPercentile(50)), p99, Stats.ms(h.getMaxValue()), failedInStep);
    String fail = null;
    if (p99 > thresholdMs) {
      fail = "p99 send->deliver " + p99 + " ms > " + thresholdMs + " ms at " + rate + " msg/s";
    } else if (failedInStep > 0) {
      fail = failedInStep + " sends refused at " + rate + " msg/s";
    } else if (lostOld > 0) {
      fail = lostOld + " messages undelivered a step after their send at " + rate + " msg/s";
    } else if (achieved < rate * 0.9) {
      fail = "the bench could only send " + Math.round(achieved) + " msg/s of " + rate + " (client-bound)";
    }
    if (fail != null) {
      reason[0] = fail;
      stop.set(true);
    } else {
      best[0] = rate;
    }
  }

  // --------------------------------------------------------------------------------------------------- group

  static JsonObject group(Fleet fleet, Stats stats, Args args) {
    int members = args.integer("members", 500);
    double rate = args.decimal("rate", 20);
    double duration = args.decimal("duration", 30);
    double groupLimit = args.decimal("group-rate-limit", 10); // conf/demo message.groupRatePerSecond
    int groups = args.integer("groups", (int) Math.max(1, Math.ceil(rate / groupLimit)));
    int senders = Math.min(members, args.integer("senders", Math.min(members, 50)));
    long max = args.integer("max-messages", (int) Math.ceil(rate * duration));
    Traffic traffic = new Traffic(stats);
    List<String> regions = fleet.regionNames();
    List<Fleet.User> users = new ArrayList<>();
    Fleet.Handler handler = new Fleet.Handler() {
      @Override
      public void onMessage(Fleet.User user, Message m) {
        long nanos = traffic.delivered(user, m);
        if (nanos >= 0) {
          stats.record("fan-out to " + user.home, nanos);
        }
      }
    };
    for (int i = 0; i < members; i++) {
      Fleet.User u = fleet.user("g" + i, regions.get(i % regions.size()), handler);
      traffic.byId.put(u.id, u);
      users.add(u);
    }
    fleet.connectAll(users, args.integer("connect-parallel", 50));
    List<String> conversations = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      conversations.add(fleet.conversation(users.get(0), users.subList(1, users.size()), "bench group " + g));
    }
    List<Future<Void>> follows = new ArrayList<>();
    for (Fleet.User u : users) {
      conversations.forEach(c -> follows.add(u.client.follow(c, null)));
    }
    fleet.await(Future.all(follows));
    long t0 = System.nanoTime();
    traffic.pace(t -> rate, duration, max, args.integer("max-inflight", 10_000), () -> false, k -> {
      String c = conversations.get((int) (k % groups));
      Fleet.User from = users.get((int) ((k / groups) % senders) * Math.max(1, members / senders) % members);
      traffic.send(from, c, members - 1, null);
    });
    double sendSeconds = (System.nanoTime() - t0) / 1e9;
    boolean drained = traffic.drain(args.decimal("drain", 30));
    double seconds = (System.nanoTime() - t0) / 1e9;
    return traffic(traffic, drained).put("members", members).put("groups", groups).put("senders", senders)
        .put("targetRate", rate).put("achievedRate", Math.round(traffic.sent.get() / sendSeconds * 10) / 10.0)
        .put("deliveriesPerSecond", Math.round(traffic.delivered.get() / seconds))
        .put("groupRateLimitAssumed", groupLimit)
        .put("note", groups > 1 ? "the server limits sends per group (message.groupRatePerSecond " + groupLimit
            + "/s): the same " + members + " members share " + groups + " groups, each under the limit" : "");
  }

  // ------------------------------------------------------------------------------------------------ receipts

  static JsonObject receipts(Fleet fleet, Stats stats, Args args) {
    int pairsCount = args.integer("pairs", 50);
    double rate = args.decimal("rate", 50);
    double duration = args.decimal("duration", 20);
    String placement = args.string("placement", "both");
    long readDelayMs = args.integer("read-delay-ms", 0);
    long max = args.integer("max-messages", (int) Math.ceil(rate * duration));
    Traffic traffic = new Traffic(stats);
    record Sent(long nanos, String label) {
    }
    Map<String, Sent> sentById = new ConcurrentHashMap<>();
    Map<String, long[]> early = new ConcurrentHashMap<>(); // receipts heard before the ack: [deliveredAt, readAt]
    Map<String, Boolean> deliveredMark = new ConcurrentHashMap<>();
    Map<String, Boolean> readMark = new ConcurrentHashMap<>();
    AtomicLong deliveredMarks = new AtomicLong();
    AtomicLong readMarks = new AtomicLong();
    java.util.function.BiConsumer<String, long[]> mark = (messageId, at) -> {
      Sent s = sentById.get(messageId);
      if (s == null) {
        early.merge(messageId, at, (x, y) -> new long[] {x[0] != 0 ? x[0] : y[0], x[1] != 0 ? x[1] : y[1]});
        return;
      }
      if (at[0] != 0 && deliveredMark.putIfAbsent(messageId, true) == null) {
        stats.record("send->delivered mark " + s.label, at[0] - s.nanos);
        deliveredMarks.incrementAndGet();
      }
      if (at[1] != 0 && readMark.putIfAbsent(messageId, true) == null) {
        stats.record("send->read mark " + s.label, at[1] - s.nanos);
        readMarks.incrementAndGet();
      }
    };
    List<Pair> pairs = pairs(fleet, traffic, pairsCount, placement, new Fleet.Handler() {
      @Override
      public void onMessage(Fleet.User user, Message m) {
        if (traffic.delivered(user, m) >= 0) {
          user.client.receipt(m.conversationId(), List.of(m.messageId()), "delivered");
          if (readDelayMs > 0) {
            fleet.vertx.setTimer(readDelayMs, t -> user.client.receipt(m.conversationId(), List.of(m.messageId()),
                "read"));
          } else {
            user.client.receipt(m.conversationId(), List.of(m.messageId()), "read");
          }
        }
      }

      @Override
      public void onReceipt(Fleet.User user, JsonObject r) {
        if (user.id.equals(r.getString("recipientId"))) {
          return;
        }
        long now = System.nanoTime();
        boolean d = r.getLong("deliveredAt", 0L) > 0 || r.getLong("readAt", 0L) > 0;
        boolean rd = r.getLong("readAt", 0L) > 0;
        if (d || rd) {
          mark.accept(r.getString("messageId"), new long[] {d ? now : 0, rd ? now : 0});
        }
      }
    }, args.integer("connect-parallel", 50));
    traffic.pace(t -> rate, duration, max, 10_000, () -> false, k -> {
      Pair p = pairs.get((int) (k % pairs.size()));
      boolean fromA = (k / pairs.size()) % 2 == 0;
      String label = p.across ? "across" : "within";
      traffic.send(fromA ? p.a : p.b, p.conversationId, 1, (ack, t0) -> {
        sentById.put(ack.messageId(), new Sent(t0, label));
        long[] e = early.remove(ack.messageId());
        if (e != null) {
          mark.accept(ack.messageId(), e);
        }
      });
    });
    boolean drained = traffic.drain(args.decimal("drain", 20));
    boolean marked = Fleet.pollUntil(java.time.Duration.ofSeconds((long) args.decimal("drain", 20)),
        () -> readMarks.get() >= traffic.acked.get());
    return traffic(traffic, drained).put("pairs", pairsCount).put("placement", placement).put("targetRate", rate)
        .put("deliveredMarks", deliveredMarks.get()).put("readMarks", readMarks.get()).put("allMarked", marked)
        .put("ok", drained && marked && traffic.failed.get() == 0 && traffic.duplicates.get() == 0)
        .put("readDelayMs", readDelayMs);
  }
}
