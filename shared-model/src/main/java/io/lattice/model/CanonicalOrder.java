package io.lattice.model;

import java.util.Comparator;

/**
 * The order every region agrees on inside a conversation: (lamport, sourceRegion, messageId). Lamport alone ties
 * across regions; the region and then the id break ties the same way everywhere.
 */
public final class CanonicalOrder {
  private CanonicalOrder() {
  }

  public record Position(long lamport, String sourceRegion, String messageId) implements Comparable<Position> {
    @Override
    public int compareTo(Position o) {
      return COMPARATOR.compare(this, o);
    }

    /** Compact text form, used as the opaque {@code before} cursor of history paging. */
    public String encode() {
      return lamport + ":" + sourceRegion + ":" + messageId;
    }

    public static Position decode(String text) {
      String[] parts = text.split(":", 3);
      if (parts.length != 3) {
        throw new IllegalArgumentException("bad position");
      }
      return new Position(Long.parseLong(parts[0]), parts[1], parts[2]);
    }
  }

  public static final Comparator<Position> COMPARATOR = Comparator.comparingLong(Position::lamport)
      .thenComparing(Position::sourceRegion)
      .thenComparing(Position::messageId);

  public static final Comparator<Message> MESSAGES = Comparator.comparing(Message::position, COMPARATOR);
}
