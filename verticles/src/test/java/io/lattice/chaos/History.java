package io.lattice.chaos;

import io.lattice.client.ConnectionState;
import io.lattice.model.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * What every client of a run did and saw, with local timestamps (milliseconds since the run began, from one
 * monotonic clock shared by the clients of this JVM): each send, ack, message handed to the application, receipt
 * seen at the sender, and connection state change. Thread-safe: clients on different event loops record at once.
 * {@link HistoryChecker} reads it after the run.
 */
public final class History {

  public record Send(String user, String conversationId, String clientMsgId, long at) {
  }

  public record Acked(String user, String conversationId, String clientMsgId, String messageId, long lamport,
                      int attempts, long sentAt, long at) {
  }

  public record Received(String user, Message message, long at) {
  }

  /** The sender's latest view of one recipient's receipt (fields are Lamport values; 0 = not yet). */
  public record ReceiptSeen(String sender, String messageId, String recipient, long deliveredAt, long readAt,
                            long at) {
  }

  public record StateChanged(String user, ConnectionState.Change change, long at) {
  }

  private final LongSupplier nanoTime;
  private final long origin;
  private final ConcurrentLinkedQueue<Send> sends = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Acked> acks = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<ReceiptSeen> receipts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<StateChanged> states = new ConcurrentLinkedQueue<>();
  /** conversationId -> its participants, as the run set them up. */
  private final ConcurrentHashMap<String, List<String>> participants = new ConcurrentHashMap<>();

  public History() {
    this(System::nanoTime);
  }

  History(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.origin = nanoTime.getAsLong();
  }

  /** Milliseconds since the run began. */
  public long now() {
    return (nanoTime.getAsLong() - origin) / 1_000_000;
  }

  public void conversation(String conversationId, List<String> users) {
    participants.put(conversationId, List.copyOf(users));
  }

  public void sent(String user, String conversationId, String clientMsgId) {
    sends.add(new Send(user, conversationId, clientMsgId, now()));
  }

  public void acked(String user, String conversationId, String clientMsgId, String messageId, long lamport,
                    int attempts, long sentAt) {
    acks.add(new Acked(user, conversationId, clientMsgId, messageId, lamport, attempts, sentAt, now()));
  }

  public void received(String user, Message message) {
    received.add(new Received(user, message, now()));
  }

  public void receipt(String sender, String messageId, String recipient, long deliveredAt, long readAt) {
    receipts.add(new ReceiptSeen(sender, messageId, recipient, deliveredAt, readAt, now()));
  }

  public void state(String user, ConnectionState.Change change) {
    states.add(new StateChanged(user, change, now()));
  }

  public List<Send> sends() {
    return new ArrayList<>(sends);
  }

  public List<Acked> acks() {
    return new ArrayList<>(acks);
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  public List<ReceiptSeen> receipts() {
    return new ArrayList<>(receipts);
  }

  public List<StateChanged> states() {
    return new ArrayList<>(states);
  }

  public java.util.Map<String, List<String>> participants() {
    return java.util.Map.copyOf(participants);
  }
}
